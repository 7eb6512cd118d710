from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.system_list, name="list"),
    path("new/", views.system_create, name="create"),
    path("import/", views.catalogue_import, name="import"),
    path("export/", views.catalogue_export, name="export"),
    path("template/", views.import_template, name="template"),
    path("<int:pk>/", views.system_detail, name="detail"),
    path("<int:pk>/edit/", views.system_edit, name="edit"),
    path("<int:pk>/retire/", views.system_retire, name="retire"),
    path("projects/<int:project_pk>/", views.project_catalogue, name="project"),
    path("projects/<int:project_pk>/link/", views.project_link, name="link"),
    path("projects/<int:project_pk>/links/<int:link_pk>/delete/", views.project_unlink, name="unlink"),
]
