from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "COPOLAD III · Working Group 3.5"
admin.site.site_title = "COPOLAD WG"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("registrations/", include("registrations.urls")),
    path("focal-point/", include("registrations.focal_point_urls")),
    path("", include("sessions_app.urls")),
)

# MEDIA_ROOT holds certificates and unpublished documents under guessable names: it is never
# served by path, not even with DEBUG; the download views check who is asking.
