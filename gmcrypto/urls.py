from django.urls import path

from . import views

app_name = "gmcrypto"

urlpatterns = [
    path("", views.signatures, name="signatures"),
]
