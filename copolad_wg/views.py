"""Project-level views: the admin's sign-in, routed to allauth, the health check, the 500 page."""

import logging
import sys
import threading
import time

from celery import current_app
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registrations.outbox.upkeep import outbox_health

from .middleware import busy_page, is_database_unavailable

logger = logging.getLogger(__name__)

# Asking the workers costs up to a second: the answer is kept this long per process, so calling
# /healthz in a loop cannot tie up the web workers or flood the broker.
WORKER_CHECK_TTL = 15
_worker_check = {"at": -WORKER_CHECK_TTL, "result": None}
_worker_check_lock = threading.Lock()


def server_error(request):
    """The 500 page, or the busy page (503) when what failed was the database.

    DatabaseUnavailableMiddleware turns a database error raised in a view into the busy page; one
    raised in a middleware's own ``__call__`` (reading ``request.user`` for the audit log or the
    staff second factor, so for anyone with a session cookie) never reaches a view's exception
    hook: Django answers it here, while the exception is still being handled.
    """
    exception = sys.exc_info()[1]
    if is_database_unavailable(exception):
        return busy_page(exception)
    return defaults.server_error(request)


def admin_login(request, extra_context=None):
    """Staff sign in on allauth's page, where failed attempts are rate-limited per IP and per
    address; this view only sends them there and back. Django's own admin form is never served,
    so it cannot be used to guess passwords."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        raise PermissionDenied
    return redirect_to_login(next_url, login_url=reverse("account_login"))


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check: database unavailable: %s", error)
        return "unavailable"
    return "ok"


def _check_cache():
    """Redis (or the database cache) stores and returns a value; the fail-safe cache answers None."""
    probe = str(time.time())
    try:
        cache.set("healthz:probe", probe, timeout=30)
        return "ok" if cache.get("healthz:probe") == probe else "unavailable"
    except Exception:  # noqa: BLE001 - any cache failure is "unavailable" to the health check
        return "unavailable"


def _ask_workers():
    try:
        replies = current_app.control.ping(timeout=1.0, limit=1)
    except Exception as error:  # noqa: BLE001 - a broker that is down or silent: report it, never raise
        logger.warning("Health check: broker unavailable: %s", error)
        return {"broker": "unavailable", "worker": "unknown"}
    return {"broker": "ok", "worker": "ok" if replies else "no reply"}


def _check_workers():
    if current_app.conf.task_always_eager:
        return {"broker": "not configured", "worker": "in-process"}
    with _worker_check_lock:
        if time.monotonic() - _worker_check["at"] < WORKER_CHECK_TTL:
            return _worker_check["result"]
        _worker_check.update(at=time.monotonic(), result=_ask_workers())
        return _worker_check["result"]


@never_cache
@require_GET
def healthz(request):
    """JSON for the proxy, compose and monitoring: the database, the cache (Redis), the broker and
    a worker, and the outbox's backlog and failures. No secrets, no personal data.

    The status code follows the database alone (200 or 503): the portal keeps saving registrations
    while Redis or the workers are away, so the proxy must keep sending visitors. "status" says
    "degraded" then, and the checks say what is missing.
    """
    checks = {"database": _check_database(), "cache": _check_cache(), **_check_workers()}
    body = {"checks": checks}
    if checks["database"] == "ok":
        try:
            body["outbox"] = outbox_health()
        except DatabaseError:
            checks["database"] = "unavailable"
    healthy = {"ok", "not configured", "in-process"}
    if checks["database"] != "ok":
        body["status"] = "down"
    elif all(value in healthy for value in checks.values()):
        body["status"] = "ok"
    else:
        body["status"] = "degraded"
    return JsonResponse({"status": body.pop("status"), **body}, status=200 if checks["database"] == "ok" else 503)
