from django.urls import path

from . import views
from .mail import views as mail_views

app_name = "registrations"

urlpatterns = [
    path("sessions/<slug:slug>/register/", views.register, name="register"),
    path("sessions/<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("r/<slug:token>/", views.manage, name="manage"),
    path("r/<slug:token>/confirm/", views.confirm, name="confirm"),
    path("r/<slug:token>/cancel/", views.cancel, name="cancel"),
    path("r/<slug:token>/calendar.ics", views.calendar, name="calendar"),
    path("unsubscribe/<str:token>/", mail_views.unsubscribe_view, name="unsubscribe"),
]
