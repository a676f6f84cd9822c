"""Whole public pages served from Django's cache, per language, invalidated exactly.

What every anonymous visitor sees the same (the home page, a session page, its public .ics) is
rendered once per (path, language) and stored with the generations it was rendered under:
``content`` (anything a public page shows: sessions, agendas, speakers, documents...) and
``seats`` (registrations and reservations, which decide "full" and "waiting list"). A write bumps
its generation at once and again after it commits, so the next visitor renders the page afresh;
an entry stored under an old generation is never served again. (The bump after the commit closes
the window in which a request that read the generation before the commit, and the data after it,
stored a page under the old generation.)

Pages also change with the clock: registration opens or closes, the session starts or ends. A view
states the next such moment with ``valid_until`` and the entry never outlives it.

Per-visitor parts stay out: the cached pages carry no CSRF token (the language switcher is a list
of links, the register form has its own page). A visitor with a session or messages cookie (staff
previewing drafts, a signed-in focal point who may see more documents, anyone with a pending
message) always gets a page rendered for them, which is never stored.

Responses carry an ETag (a hash of the body) and Last-Modified (when it was rendered), so a
browser that revalidates gets a 304 without the body.

The same generations serve ``ProcessMemo``: small values each process keeps between requests (the
public sessions, the current privacy notice, the register form's institutions).
"""

import contextvars
import hashlib
import secrets
import time
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

CONTENT = "content"
SEATS = "seats"
GENERATIONS = (CONTENT, SEATS)
# A safety net only: every entry is invalidated by its generations and its valid_until moment.
MAX_AGE_SECONDS = settings.PAGE_CACHE_SECONDS
# Headers of the rendered response worth keeping with the body.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "X-Robots-Tag")


def _generation_key(name):
    return f"pagecache:generation:{name}"


def cache_count(key, *, timeout, start=0):
    """One more on the counter ``key`` in the cache, created at ``start`` and kept ``timeout`` seconds
    (None: for good) when missing; its new value. For the generations here and the rate limits
    (common/ratelimit.py). The production cache counts in one round trip
    (``common.cache.FailSafeRedisCache.count``); any other with ``add`` and ``incr``."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout, start=start)
    cache.add(key, start, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, start + 1, timeout=timeout)
        return start + 1


def bump(*names):
    """Invalidate every cached page that depends on ``names``: now, and again after the commit."""

    def increment():
        for name in names:
            # Never set, or evicted: start from a value no page was stored under.
            cache_count(_generation_key(name), timeout=None, start=int(timezone.now().timestamp() * 1000))

    _forget_read(names)
    increment()
    transaction.on_commit(increment)


def valid_until(response, *moments):
    """Keep the cached copy of ``response`` no later than the earliest future moment given."""
    now = timezone.now()
    future = [moment for moment in moments if moment is not None and moment > now]
    if future:
        earliest = min(future)
        current = getattr(response, "page_cache_until", None)
        response.page_cache_until = min(earliest, current) if current else earliest
    return response


def is_anonymous_visit(request, *, query=False):
    """True when nothing in the request can make the page differ from anyone else's (with ``query``,
    the query string is part of the page's address: the JSON API's pages and languages)."""
    return (
        request.method in ("GET", "HEAD")
        and (query or not request.GET)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _keys(request, depends, *, query=False):
    """The page's key and its generations' keys. The page's key leaves the generations out: the
    entry records those it was rendered under, so one round trip to the cache reads them all."""
    address = request.path
    if query and request.GET:
        # Hashed: any query a client sends makes a key of fixed length.
        encoded = request.GET.urlencode().encode()
        address += "?" + hashlib.sha256(encoded).hexdigest()
    return f"pagecache:page:{translation.get_language()}:{address}", [_generation_key(n) for n in depends]


def _seconds_left(response):
    until = getattr(response, "page_cache_until", None)
    if until is None:
        return MAX_AGE_SECONDS
    return max(0, min(MAX_AGE_SECONDS, int((until - timezone.now()).total_seconds())))


def _finish(request, response, *, etag, last_modified):
    """Validators, revalidation headers and the 304 answer when the browser's copy is current."""
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    # Browsers and proxies keep the page but ask every time: invalidation here reaches them at once.
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)


def cached_page(*, depends=GENERATIONS, query=False):
    """Serve a public GET view from the cache for anonymous visitors (see the module's docstring).

    ``depends`` names the generations whose bump must invalidate the page; with ``query`` the query
    string is part of the page's key (for views whose answer depends on it, such as the JSON API).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_anonymous_visit(request, query=query):
                return view(request, *args, **kwargs)
            key, generation_keys = _keys(request, depends, query=query)
            found = cache.get_many([key, *generation_keys])
            generations = _started(generation_keys, found)
            entry = found.get(key)
            if entry is not None and entry["generations"] == generations:
                response = HttpResponse(entry["content"], status=200)
                for name, value in entry["headers"].items():
                    response.headers[name] = value
                return _finish(request, response, etag=entry["etag"], last_modified=entry["last_modified"])
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
            last_modified = int(timezone.now().timestamp())
            seconds = _seconds_left(response)
            if seconds > 0:
                headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                entry = {
                    "content": response.content,
                    "headers": headers,
                    "etag": etag,
                    "last_modified": last_modified,
                    "generations": generations,
                }
                cache.set(key, entry, timeout=seconds)
            return _finish(request, response, etag=etag, last_modified=last_modified)

        return wrapped

    return decorator


def _started(keys, found):
    """The generations under ``keys`` (``found``: what the cache returned for them), each one never
    set (or evicted) given a random start, as ``ProcessMemo`` does: a page stored under it then
    matches the next request's. None for one the cache cannot keep (Redis away)."""
    generations = []
    for key in keys:
        value = found.get(key)
        if value is None:
            cache.add(key, secrets.randbits(52), timeout=None)
            value = cache.get(key)
        generations.append(value)
    return generations


def fragment_version(*names):
    """The current generations of ``names`` as one value, for the key of a ``{% cache %}`` fragment:
    any bump changes it, so the fragment is rendered afresh. One round trip to the cache.

    For the parts of a page that are the same for every visitor although the page is not (a
    signed-in visitor's session page, the register form around its CSRF token). A generation never
    set (or evicted) gets a random start, as ``ProcessMemo`` does; with the cache away, a random
    value: the fragment is rendered and nothing stale can be read.
    """
    generations = _read_once(names)
    if None in generations:
        return f"x{secrets.randbits(64)}"
    return ".".join(str(generation) for generation in generations)


# ── Invalidation ──────────────────────────────────────────────────────────────────────────────
# Staff change public content through the admin's forms, inlines, actions and imports as well as
# through the domain functions: a model signal is the one place that sees every such write. It
# only bumps a counter; no rule of the domain lives here.


def _content_changed(sender, **kwargs):
    bump(CONTENT)


def _m2m_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        bump(CONTENT)


def watch_content(*app_labels):
    """Bump ``content`` on every save, delete and many-to-many change of these apps' models."""
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            post_save.connect(_content_changed, sender=model, dispatch_uid=f"pagecache-save-{model._meta.label}")
            post_delete.connect(_content_changed, sender=model, dispatch_uid=f"pagecache-delete-{model._meta.label}")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _m2m_changed, sender=field.remote_field.through, dispatch_uid=f"pagecache-m2m-{field}"
                )


# ── Values kept in each process ──────────────────────────────────────────────────────────────


class ProcessMemo:
    """A value read from the database once per process and kept while its generation stays the same.

    For small data that many requests read and staff rarely change (the current privacy notice,
    the institutions of the register form): a model signal calls ``invalidate`` on every write,
    which bumps the generation in the shared cache, so each process reads the value again on its
    next call. Each call costs one small cache read instead of the query and the work on its rows.

    Nothing is kept when the cache cannot tell the generation (Redis away: every call reads), nor
    when computed inside a transaction: the value could hold its uncommitted writes, and it may
    roll back (a write in it has bumped the generation already, so kept values are not used
    there either). An entry lives at most ``max_age`` seconds: the bound on staleness should a
    bump be lost while the cache was away.
    """

    def __init__(self, name, *, max_age=300):
        self.name = name
        self.max_age = max_age
        self._entries = {}  # part -> (generation, monotonic expiry, value)

    def get(self, compute, *, part=None):
        """The value ``compute()`` returns; ``part`` tells apart values of one generation (a language)."""
        generation = self._generation()
        if generation is None:
            return compute()
        now = time.monotonic()
        entry = self._entries.get(part)
        if entry is not None and entry[0] == generation and now < entry[1]:
            return entry[2]
        value = compute()
        if not transaction.get_connection().in_atomic_block:
            self._entries[part] = (generation, now + self.max_age, value)
        return value

    def invalidate(self, **signal):
        """Every process reads the value again on its next call; a receiver for model signals too."""
        bump(self.name)

    def _generation(self):
        # Never bumped yet, or evicted: any value under which no entry was kept will do (_started).
        return _read_once((self.name,))[0]


# ── Generations read once per request ────────────────────────────────────────────────────────

# {name: generation} of the generations a view read when its request started (reads_generations).
_READ = contextvars.ContextVar("pagecache_read_generations", default=None)


def reads_generations(*names):
    """Decorate a view: the generations of ``names`` (those its ProcessMemos and fragments depend
    on) are read in one round trip to the cache as the request starts, and every ProcessMemo and
    ``fragment_version`` of the request takes them from there instead of asking the cache again.

    A value read once is as current as one read a moment later would be: the generations only
    tell which kept copy is still good. A generation this request bumps is dropped from what it
    read (``bump``), so whatever it reads after its own write is read afresh.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            keys = [_generation_key(name) for name in names]
            read = dict(zip(names, _started(keys, cache.get_many(keys)), strict=True))
            token = _READ.set(read)
            try:
                return view(request, *args, **kwargs)
            finally:
                _READ.reset(token)

        return wrapped

    return decorator


def _read_once(names):
    """The generations of ``names``: those the request read already, the others from the cache."""
    read = _READ.get() or {}
    missing = [name for name in names if read.get(name) is None]
    if missing:
        keys = [_generation_key(name) for name in missing]
        read = {**read, **dict(zip(missing, _started(keys, cache.get_many(keys)), strict=True))}
    return [read[name] for name in names]


def _forget_read(names):
    read = _READ.get()
    if read:
        for name in names:
            read.pop(name, None)
