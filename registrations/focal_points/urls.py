from django.urls import path

from registrations.focal_points.views import answers, dashboard, institutions, nominations

app_name = "focal_points"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("institutions/", institutions.institution_list, name="institution_list"),
    path("institutions/new/", institutions.institution_create, name="institution_create"),
    path("institutions/<int:pk>/edit/", institutions.institution_edit, name="institution_edit"),
    path("registrations/", nominations.registration_list, name="registration_list"),
    path("sessions/<slug:slug>/nominate/", nominations.nomination_create, name="nomination_create"),
    path("sessions/<slug:slug>/nominate/bulk/", nominations.nomination_bulk, name="nomination_bulk"),
    path("sessions/<slug:slug>/answers/", answers.contribution_edit, name="contribution_edit"),
    path("sessions/<slug:slug>/answers/review/", answers.contribution_review, name="contribution_review"),
    # journeys: managing nominations and the register
    path("nominations/<int:pk>/edit/", nominations.nomination_edit, name="nomination_edit"),
    path("nominations/<int:pk>/withdraw/", nominations.nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/resend/", nominations.nomination_resend, name="nomination_resend"),
    path("institutions/<int:pk>/delete/", institutions.institution_delete, name="institution_delete"),
    path("institutions/<int:pk>/merge/", institutions.institution_merge, name="institution_merge"),
]
