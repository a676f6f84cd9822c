from django.urls import path

from sessions_app.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("certificates/verify/", views.verify_certificate_form, name="verify_certificate_form"),
    path("certificates/<str:code>/", views.verify_certificate, name="verify_certificate"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("registrations/<str:token>/documents/", views.my_documents, name="my_documents"),
    path("registrations/<str:token>/documents/<int:pk>/", views.my_document_download, name="my_document_download"),
]
