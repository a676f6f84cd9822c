"""A per-IP limit on form submissions, counted in Django's cache (shared by every process).

Only POSTs count: reading the page is free. Over the limit the view answers 429 with a page in the
visitor's language. The address is REMOTE_ADDR: behind a reverse proxy, configure the proxy to set
it (forwarded headers are not trusted here, since anyone can send them).
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def too_many_requests(request, retry_after=60):
    """The 429 page."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def hit(*, scope, ip, limit, period):
    """Count one attempt; True while ``ip`` is within ``limit`` attempts per ``period`` seconds."""
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{ip}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count <= limit


def rate_limit(scope, *, setting="REGISTRATION_RATE_LIMIT", default=(20, 600)):
    """Decorate a view: POSTs beyond ``(limit, period)`` from one address get the 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                limit, period = getattr(settings, setting, default)
                ip = request.META.get("REMOTE_ADDR") or "unknown"
                if not hit(scope=scope, ip=ip, limit=limit, period=period):
                    return too_many_requests(request, retry_after=period)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
