from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("shared/", views.shared, name="shared"),
    path("shared/<int:resource_id>/feedback/", views.shared_feedback, name="shared_feedback"),
    path("<int:project_id>/", views.project_page, name="project"),
    path("<int:project_id>/<slug:action>/", views.act, name="act"),
]
