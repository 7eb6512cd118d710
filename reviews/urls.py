from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("projects/<int:pk>/", views.project_review, name="project"),
    path("projects/<int:pk>/conclusion/", views.conclusion, name="conclusion"),
    path("projects/<int:pk>/decision/", views.decision, name="decision"),
    path("projects/<int:pk>/application/", views.application, name="application"),
    path("projects/<int:pk>/feasibility-approval/", views.feasibility, name="feasibility"),
    path("projects/<int:pk>/preliminary-design/", views.design, name="design"),
    path("projects/<int:pk>/opinions/request/", views.request_opinions, name="request_opinions"),
    path("projects/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("projects/<int:pk>/provincial-government/", views.provincial_government, name="provincial_government"),
    path("projects/<int:pk>/approve/", views.approve, name="approve"),
    path("projects/<int:pk>/approval.pdf", views.approval_pdf, name="approval_pdf"),
    path("opinions/<int:opinion_id>/", views.opinion, name="opinion"),
    path("annual-lists/", views.annual_lists, name="annual_lists"),
    path("annual-lists/<int:year>/", views.annual_list, name="annual_list"),
    path("annual-lists/<int:year>/fix/", views.annual_list_fix, name="annual_list_fix"),
    path("annual-lists/<int:year>.xlsx", views.annual_list_xlsx, name="annual_list_xlsx"),
]
