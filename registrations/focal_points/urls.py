from django.urls import path

from registrations.focal_points import views

app_name = "focal_points"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("registrations/", views.registration_list, name="registration_list"),
    path("sessions/<slug:slug>/nominate/", views.nomination_create, name="nomination_create"),
    path("sessions/<slug:slug>/nominate/bulk/", views.nomination_bulk, name="nomination_bulk"),
    path("sessions/<slug:slug>/answers/", views.contribution_edit, name="contribution_edit"),
    path("sessions/<slug:slug>/answers/review/", views.contribution_review, name="contribution_review"),
    # journeys: managing nominations and the register
    path("nominations/<int:pk>/edit/", views.nomination_edit, name="nomination_edit"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/resend/", views.nomination_resend, name="nomination_resend"),
    path("institutions/<int:pk>/delete/", views.institution_delete, name="institution_delete"),
    path("institutions/<int:pk>/merge/", views.institution_merge, name="institution_merge"),
]
