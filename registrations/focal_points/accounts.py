"""django-allauth adapter: focal points are invited by staff, nobody signs up alone.

Account e-mails (password resets) go through the outbox like every other message, so an SMTP
server that is down delays them instead of failing the page. Failed sign-ins slow down the
(account, client IP) pair that failed, never the account as a whole (ratelimit.py).
"""

import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import ratelimit
from registrations.focal_points.invitations import active_focal_point
from registrations.outbox import queueing


def _portal_site():
    """What allauth's e-mails call "the site": the portal, not the Sites framework's "example.com"."""
    return SimpleNamespace(name=_("COPOLAD III Working Group"), domain=urlsplit(settings.SITE_URL).netloc)


def on_site(url):
    """``url`` on SITE_URL: allauth builds its links from the request's Host, and an e-mail's links
    must not take a host or port that a request named (``Host: localhost:9999``)."""
    parts = urlsplit(str(url))
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return settings.SITE_URL.rstrip("/") + path


def _account(credentials):
    return (credentials.get("email") or credentials.get("username") or "").strip().lower()


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def format_email_subject(self, subject):
        return f"[{_portal_site().name}] {force_str(subject)}"

    def get_reset_password_from_key_url(self, key):
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation):
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix, email, context):
        """Render allauth's message and put it in the outbox; the worker sends (and retries) it.

        Every link in it is on SITE_URL (``on_site``), whatever Host the request named.
        """
        links = {name: on_site(value) for name, value in context.items() if name.endswith("_url") and value}
        context = {"request": self.request, "email": email, **context, **links, "current_site": _portal_site()}
        message = self.render_mail(template_prefix, email, context)
        body_html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        queueing.queue_message(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            kind="account",
            to_email=email,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            subject=message.subject,
            body_text=message.body,
            body_html=body_html,
        )

    def get_client_ip(self, request):
        return ratelimit.client_ip(request)

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        wait = ratelimit.login_wait_seconds(account=_account(credentials), ip=ratelimit.client_ip(request))
        if wait:
            minutes = max(1, (wait + 59) // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts from your connection. Please try again in %(minutes)s minute.",
                    "Too many failed sign-in attempts from your connection. Please try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes}
            )

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            ratelimit.clear_login_failures(account=_account(credentials), ip=ratelimit.client_ip(request))
        return user

    def authentication_failed(self, request, **credentials):
        ratelimit.record_login_failure(account=_account(credentials), ip=ratelimit.client_ip(request))

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
