from django.urls import path

from . import views, views_documents

app_name = "sessions_app"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<slug:slug>/", views.session_detail, name="detail"),
    path("sessions/<slug:slug>/calendar.ics", views.session_calendar, name="calendar"),
    path("documents/<int:pk>/", views_documents.document_download, name="document_download"),
    path("registrations/<str:token>/documents/", views_documents.my_documents, name="my_documents"),
    path(
        "registrations/<str:token>/documents/<int:pk>/",
        views_documents.my_document_download,
        name="my_document_download",
    ),
]
