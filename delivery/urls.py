from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("filings/", views.filings_page, name="filings"),
    path("archive/<int:entry_id>/", views.archive_download, name="archive_download"),
    path("<int:project_id>/", views.project_page, name="project"),
    path("<int:project_id>/opinion.pdf", views.opinion_pdf, name="opinion_pdf"),
    path("<int:project_id>/<slug:action>/", views.act, name="act"),
]
