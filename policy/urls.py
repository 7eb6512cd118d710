from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.profile_list, name="list"),
    path("new/", views.profile_create, name="create"),
    path("<int:pk>/", views.profile_detail, name="detail"),
]
