from django.urls import path

from sessions_app import views

app_name = "sessions_app"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar.ics", views.feed, name="feed"),
    path("sessions/<slug:slug>/", views.session_detail, name="detail"),
    path("sessions/<slug:slug>/calendar.ics", views.session_calendar, name="calendar"),
]
