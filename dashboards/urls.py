from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("province/", views.province, name="province"),
    path("province/refresh/", views.province_refresh, name="province_refresh"),
    path("unit/", views.unit, name="unit"),
    path("projects/", views.drill, name="drill"),
    path("export/projects.xlsx", views.export_projects, name="export_projects"),
    path("export/rectifications.xlsx", views.export_rectifications, name="export_rectifications"),
    path("projects/<int:pk>/record.pdf", views.project_record, name="project_record"),
    path("public-feed/", views.public_feed_config, name="public_feed_config"),
]
