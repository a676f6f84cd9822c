from django.urls import path

from sessions_app.outcomes.practices import views

app_name = "practices"

urlpatterns = [
    path("", views.practice_list, name="list"),
    path("<int:pk>/", views.practice_detail, name="detail"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("propose/", views.practice_propose, name="propose"),
    path("<int:pk>/edit/", views.practice_edit, name="edit"),
]
