from django.urls import path

from . import views

app_name = "obligations"
urlpatterns = [
    path("", views.obligation_list, name="list"),
    path("export.xlsx", views.obligation_export, name="export"),
    path("<int:pk>/", views.obligation_detail, name="detail"),
    path("notifications/", views.notification_list, name="notifications"),
]
