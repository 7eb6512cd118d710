from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("projects/<int:pk>/", views.project_contacts, name="project"),
    path("export.csv", views.export_csv, name="export"),
    path("me/mobile/", views.my_mobile, name="my_mobile"),
]
