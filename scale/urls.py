from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("hello/", views.hello, name="hello"),
    path("lock-update-insert/", views.lock_update_insert, name="lock_update_insert"),
]
