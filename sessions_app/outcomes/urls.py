from django.urls import path

from sessions_app.outcomes import views
from sessions_app.outcomes.evaluation import views as evaluation_views
from sessions_app.outcomes.presentations import views as presentation_views
from sessions_app.outcomes.roadmap import views as roadmap_views

app_name = "outcomes"

urlpatterns = [
    path("certificates/verify/", views.verify_certificate_form, name="verify_certificate_form"),
    path("certificates/<str:code>/", views.verify_certificate, name="verify_certificate"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("registrations/<str:token>/documents/", views.my_documents, name="my_documents"),
    path("registrations/<str:token>/documents/<int:pk>/", views.my_document_download, name="my_document_download"),
    path("roadmap/<slug:slug>/", roadmap_views.roadmap_page, name="roadmap"),
    path("focal-point/roadmap/<int:pk>/update/", roadmap_views.action_update, name="roadmap_update"),
    path("focal-point/roadmap/reminders/", roadmap_views.reminder_settings, name="roadmap_reminders"),
    path("roadmap/updates/<int:pk>/document/", roadmap_views.update_document, name="roadmap_document"),
    path("speakers/upload/<str:token>/", presentation_views.speaker_upload, name="speaker_upload"),
    path("presentations/<int:pk>/", presentation_views.presentation_download, name="presentation_download"),
    path(
        "registrations/<str:token>/presentations/<int:pk>/",
        presentation_views.my_presentation_download,
        name="my_presentation_download",
    ),
    path("registrations/<str:token>/evaluation/", evaluation_views.evaluation_form, name="evaluation"),
]
