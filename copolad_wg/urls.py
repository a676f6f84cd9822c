from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from copolad_wg import views
from sessions_app.discovery.api import api as api_v1

admin.site.site_header = _("COPOLAD III · Working Group 3.5")
admin.site.site_title = _("COPOLAD III · Working Group 3.5")
# A database that fails in any layer (middleware included) gives the busy page, not a 500.
handler500 = "copolad_wg.views.server_error"

urlpatterns = [
    # Outside the language prefix: the proxy and compose call it without one.
    path("healthz", views.healthz, name="healthz"),
    # Staff sign in on allauth's rate-limited page; Django's own admin login form is never served.
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The read-only JSON API: versioned, outside the language prefix (``?lang=`` chooses it).
    path("api/v1/", api_v1.urls),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("registrations/", include("registrations.urls")),
    path("privacy/", include("registrations.privacy.urls")),
    path("focal-point/", include("registrations.focal_points.urls")),
    path("", include("sessions_app.discovery.urls")),
    path("practices/", include("sessions_app.outcomes.practices.urls")),
    path("", include("sessions_app.outcomes.urls")),
    path("", include("sessions_app.urls")),
)

# MEDIA_ROOT holds certificates and unpublished documents under guessable names: it is never
# served by path, not even with DEBUG; the download views check who is asking.
