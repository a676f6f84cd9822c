"""Limits on form submissions and failed sign-ins, counted in Django's cache (shared by every process).

Only POSTs count, unless a view says otherwise: reading a page is free, but looking up a
certificate by its code (a GET anyone can repeat with guesses) and downloading one's data count.
Over a limit the view answers 429 with a page in the visitor's language. The client is identified
by ``client_ip``: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies of ours the address they
saw, taken from X-Forwarded-For; a header sent by the client itself is ignored, since anyone can
send one.

The cache may be unavailable (common/cache.py): counters then start again and the limits fail
open for that request, so a Redis outage never costs a registration.
"""

import hashlib
import ipaddress
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from common.pagecache import cache_count


def client_ip(request):
    """The client's address as our own proxies saw it; "unknown" if it cannot be told."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        # Each proxy appends the address it received the request from: the entry ``proxies`` from
        # the right was written by our outermost proxy. Anything to its left came from the client.
        if len(hops) >= proxies:
            remote = hops[-proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "unknown"


def too_many_requests(request, retry_after=60):
    """The 429 page."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def hit(*, scope, key, limit, period):
    """Count one attempt; True while ``key`` (a client IP, an address) is within ``limit`` per ``period`` seconds."""
    window = int(time.time() // period)
    cache_key = f"ratelimit:{scope}:{_digest(key)}:{window}"
    return cache_count(cache_key, timeout=period + 5) <= limit


def _digest(value):
    """Cache keys hold no e-mail address in clear and stay within memcached's key rules."""
    return hashlib.sha256(str(value).lower().encode()).hexdigest()[:32]


def rate_limit(scope, *, setting="REGISTRATION_RATE_LIMIT", methods=("POST",)):
    """Decorate a view: requests of ``methods`` (POSTs unless told) beyond ``(limit, period)``
    from one client get the 429 page. A read that looks something up by a guessable key (a
    certificate's code) counts its GETs too."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                limit, period = getattr(settings, setting)
                if not hit(scope=scope, key=client_ip(request), limit=limit, period=period):
                    return too_many_requests(request, retry_after=period)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def token_rate_limit(methods=("POST",)):
    """The limit of every page behind a private link: TOKEN_RATE_LIMIT per client, one count for all."""
    return rate_limit("token", setting="TOKEN_RATE_LIMIT", methods=methods)


# Failed sign-ins, per (account, client IP): a stranger's wrong guesses slow down that stranger
# only; the person, from their own connection, signs in as usual.


def _address_bucket(ip):
    """An IPv6 client owns a whole /64 and could walk through it: the /64 counts as one address."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def _login_key(account, ip):
    return f"login-failures:{_digest(account)}:{_digest(_address_bucket(ip))}"


def login_wait_seconds(*, account, ip, now=None):
    """Seconds before this (account, IP) pair may try again; 0 when it may try now."""
    record = cache.get(_login_key(account, ip))
    if not record:
        return 0
    now = now if now is not None else time.time()
    return max(0, int(record["blocked_until"] - now + 0.999))


def record_login_failure(*, account, ip, now=None):
    """Count one failed sign-in; beyond LOGIN_FREE_FAILURES each one doubles the wait. Returns the wait."""
    now = now if now is not None else time.time()
    key = _login_key(account, ip)
    record = cache.get(key) or {"failures": 0, "blocked_until": 0}
    record["failures"] += 1
    over = record["failures"] - settings.LOGIN_FREE_FAILURES
    wait = 0
    if over >= 0:
        wait = min(settings.LOGIN_DELAY_SECONDS * 2 ** min(over, 30), settings.LOGIN_DELAY_MAX_SECONDS)
        record["blocked_until"] = now + wait
    # Forgotten a while after the longest wait, so an old streak does not follow the person forever.
    cache.set(key, record, timeout=settings.LOGIN_DELAY_MAX_SECONDS * 2)
    return wait


def clear_login_failures(*, account, ip):
    cache.delete(_login_key(account, ip))
