from django.urls import path

from registrations import views
from registrations.campaigns import views as campaign_views
from registrations.privacy import views as privacy_views

app_name = "registrations"

urlpatterns = [
    path("sessions/<slug:slug>/register/", views.register, name="register"),
    path("sessions/<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("find/", views.find_registration, name="find_registration"),
    path("find/sent/", views.find_registration_sent, name="find_registration_sent"),
    path("r/<slug:token>/", views.manage, name="manage"),
    path("r/<slug:token>/confirm/", views.confirm, name="confirm"),
    path("r/<slug:token>/cancel/", views.cancel, name="cancel"),
    path("r/<slug:token>/calendar.ics", views.calendar, name="calendar"),
    path("r/<slug:token>/my-data/", privacy_views.my_data, name="my_data"),
    path("r/<slug:token>/my-data/delete/", privacy_views.delete_my_data, name="delete_my_data"),
    path("r/<slug:token>/contact/withdraw/", views.withdraw_opt_in, name="withdraw_opt_in"),
    path("data-deleted/", privacy_views.data_deleted, name="data_deleted"),
    path("unsubscribe/<str:token>/", campaign_views.unsubscribe_view, name="unsubscribe"),
]
