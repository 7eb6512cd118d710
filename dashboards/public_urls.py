"""政务公开 (no login): the read-only feed of approved projects."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("projects.json", views.public_projects_json, name="projects_json"),
    path("projects/", views.public_projects_page, name="projects"),
]
