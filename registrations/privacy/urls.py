from django.urls import path

from registrations.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_notice, name="notice"),
    path("v<int:version>/", views.privacy_notice_version, name="notice_version"),
]
