from django.urls import path

from . import views

app_name = "declarations"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("projects/<int:pk>/", views.declaration, name="detail"),
    path("projects/<int:pk>/edit/", views.materials_edit, name="materials_edit"),
    path("projects/<int:pk>/precheck/", views.precheck, name="precheck"),
    path("projects/<int:pk>/submit/", views.submit, name="submit"),
    path("projects/<int:pk>/investment-code/", views.investment_code, name="investment_code"),
    path("projects/<int:pk>/documents/", views.documents, name="documents"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
