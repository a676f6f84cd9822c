"""Security headers that Django does not set by itself, and the staff second factor."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Every asset is served by the portal itself, so the policy allows only 'self'.

    The Django admin uses no inline scripts since 4.x, so it works under the same policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


class StaffSecondFactorMiddleware:
    """Staff who can reach personal data use the admin only with a second factor set up.

    Superusers and anyone with the permission to export personal data are sent to allauth's page
    to activate an authenticator app (TOTP; recovery codes follow) before any admin page. allauth
    then asks for a code at every sign-in. STAFF_MFA_REQUIRED=0 turns this off (e.g. a demo).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            messages.warning(
                request,
                _("Set up two-factor authentication (an authenticator app) before using the staff area."),
            )
            return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request):
        if not settings.STAFF_MFA_REQUIRED or not request.path.startswith(reverse("admin:index")):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not (user.is_superuser or user.has_perm("registrations.export_registration")):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
