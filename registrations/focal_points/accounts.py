"""django-allauth adapter: focal points are invited by staff, nobody signs up alone."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from .services import active_focal_point


def _portal_site():
    """What allauth's e-mails call "the site": the portal, not the Sites framework's "example.com"."""
    return SimpleNamespace(name=_("COPOLAD III Working Group"), domain=urlsplit(settings.SITE_URL).netloc)


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def format_email_subject(self, subject):
        return f"[{_portal_site().name}] {force_str(subject)}"

    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {**context, "current_site": _portal_site()})

    def get_login_redirect_url(self, request):
        """Without a ?next=, focal points land on their country's page and staff in the admin."""
        user = request.user
        if active_focal_point(user) is not None:
            return reverse("focal_points:dashboard")
        if user.is_staff:
            return reverse("admin:index")
        return reverse("sessions_app:home")

    def get_logout_redirect_url(self, request):
        """The home page in the language being used ("/es/"), not "/", which the browser's
        Accept-Language would send to another language."""
        return reverse("sessions_app:home")
