from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("finance/", views.finance_page, name="finance"),
    path("<int:project_id>/", views.project_page, name="project"),
    path("<int:project_id>/ocds.json", views.ocds_download, name="ocds"),
    path("<int:project_id>/<str:action>/", views.act, name="act"),
]
