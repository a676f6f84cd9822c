"""Security headers, request ids and logs, bounded request bodies, a database that fails politely,
private pages kept out of caches, and the staff second factor."""

import logging
import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from common import uploads
from common.ratelimit import client_ip
from copolad_wg import observability

request_logger = logging.getLogger("copolad_wg.requests")

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


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID, if a proxy of ours sent one), put it on
    every log line and task the request causes, answer it in X-Request-ID, and log one line per
    request (by route, never by path: private links carry their token in the path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = settings.TRUSTED_PROXY_COUNT > 0 and observability.VALID_ID.match(offered)
        request_id = offered if trusted else observability.new_request_id()
        request.request_id = request_id
        token = observability.bind_request_id(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response.headers["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                match.route if match else "-",
                response.status_code,
                extra={
                    "method": request.method,
                    "route": match.route if match else "",
                    "view": match.view_name if match else "",
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "client_ip": client_ip(request),
                },
            )
            return response
        finally:
            observability.unbind_request_id(token)


def _error_page(template, status):
    """An error page that needs neither the database nor the request (it may be what failed)."""
    return HttpResponse(render_to_string(template), status=status)


def _upload_limit(request):
    """A form that takes a document (a view marked by common.uploads.accepts_uploads, or the admin)
    may receive a body up to the upload limit; any other request keeps REQUEST_MAX_BODY_SIZE."""
    if not request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return 0
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return 0
    if getattr(match.func, "accepts_uploads", False) or "admin" in match.namespaces:
        return uploads.upload_body_limit()
    return 0


class RequestBodyLimitMiddleware:
    """Refuse a body larger than REQUEST_MAX_BODY_SIZE from its Content-Length, before it is read:
    a 30 MB POST to a form costs the worker a header, not 30 MB of disk and time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        if length > settings.REQUEST_MAX_BODY_SIZE and length > _upload_limit(request):
            request_logger.warning("Request body of %s bytes refused before reading", length)
            # No "Connection: close": it is a hop-by-hop header, which a WSGI application may not
            # set (the development server answers 500 for it, gunicorn drops it). Each server
            # deals with the unread body itself: gunicorn's sync workers close the connection
            # after every response, the development server reads and discards the rest.
            return _error_page("413.html", 413)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that is down, refuses, or answers too late (connect or statement timeout) gives
    the visitor a 503 page in their language, and the operator a log line, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        return busy_page(exception)


def is_database_unavailable(exception):
    """True when ``exception`` (or what it was raised from) says the database is down or too slow."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        if isinstance(exception, OperationalError | InterfaceError):
            return True
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return False


def busy_page(exception):
    """The 503 page for a database that failed, and the operator's log line."""
    request_logger.error("Database unavailable: %s", exception, exc_info=exception)
    response = _error_page("503.html", 503)
    response["Retry-After"] = "30"
    patch_cache_control(response, private=True, no_store=True)
    return response


class PrivatePagesMiddleware:
    """Pages for a signed-in person show their data, and the account pages (sign-in, password
    reset by a key in the address) are personal too: no shared cache and no browser cache may keep
    them. Pages behind a participant's private link say so themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_private(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _is_private(request):
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "").startswith("account_"):
            return True
        # Only a request that sent a session cookie can be signed in: the others cost no query here.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or getattr(request, "user", None) is None:
            return False
        return request.user.is_authenticated


class StaffSecondFactorMiddleware:
    """Staff who can reach personal data do so only with a second factor set up.

    Superusers and anyone with the permission to export personal data are sent to allauth's page
    to activate an authenticator app (TOTP; recovery codes follow) before any admin page and before
    a staff download of a document (another person's certificate, say). allauth then asks for a
    code at every sign-in. STAFF_MFA_REQUIRED=0 turns this off (e.g. a demo).
    """

    # Pages outside /admin/ where staff reach documents that are not public.
    STAFF_DATA_VIEWS = {"outcomes:document_download"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")) and self._must_set_up(request):
            return self._set_up_first(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in self.STAFF_DATA_VIEWS and self._must_set_up(request):
            return self._set_up_first(request)
        return None

    @staticmethod
    def _set_up_first(request):
        messages.warning(
            request,
            _("Set up two-factor authentication (an authenticator app) before using the staff area."),
        )
        return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_activate_totp"))

    @staticmethod
    def _must_set_up(request):
        if not settings.STAFF_MFA_REQUIRED:
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not (user.is_superuser or user.has_perm("registrations.export_registration")):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
