"""A Redis cache that a Redis outage cannot turn into 500s.

The cache holds only what may be lost: rate-limit counters and allauth's rate-limit history. So
when Redis is down (connection refused) or silent (accepts, never answers), every operation gives
its "nothing cached" answer instead of raising: reads miss, writes are dropped, a counter starts
again. Rate limits therefore fail open for that request, and a warning is logged.

A silent Redis costs each operation the socket timeout, so after a failure the cache is not
asked again for ``retry_after`` seconds (per process, whatever the thread): a crowd of requests
during an outage pays one timeout per process and window, not one per request.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from common.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)


# One breaker for every cache location of the process (keyed by location).
BREAKER = CircuitBreaker("cache")


class _SharedClientCacheClient(RedisCacheClient):
    """Django's client builds a ``redis.Redis`` for every operation, several times a request (its cost:
    bench/README.md); one per connection pool serves all of them, since it is thread-safe over its pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def count(self, key, timeout, start=0):
        """Add one to the counter ``key``, created at ``start`` with ``timeout`` if missing; its new value.

        One round trip (SET NX and INCR pipelined), where ``add`` then ``incr`` take three.
        """
        pipeline = self.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, self._serializer.dumps(start), ex=timeout, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = options.pop("retry_after", 10)
        # redis-py retries a failed command three times with growing back-off by default: seconds
        # per request while Redis is down. One try, then the breaker.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _SharedClientCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)

    def _guard(self, method, fallback, *args, **kwargs):
        if BREAKER.is_open(self._location):
            return fallback
        try:
            return method(*args, **kwargs)
        except FAILURES as error:
            if BREAKER.trip(self._location, seconds=self._retry_after):
                logger.warning(
                    "Cache unavailable (%s: %s); rate limits fail open and the cache is skipped for %s s",
                    type(error).__name__,
                    error,
                    self._retry_after,
                )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # As if the key were free: allauth takes its rate-limit lock with add() and would otherwise
        # wait for it, then refuse the sign-in (429).
        return self._guard(super().add, True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._guard(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read starts again: the caller sees its first hit.
        return self._guard(super().incr, delta, key, delta, version)

    def count(self, key, timeout, start=0, version=None):
        """One more on the counter ``key``, created at ``start`` and kept ``timeout`` seconds (None:
        for good) when missing; its new value. ``add`` and ``incr`` in one round trip, for the rate
        limits (common/ratelimit.py) and the page cache's generations (common/pagecache.py).
        """
        key = self.make_and_validate_key(key, version=version)
        return self._guard(self._cache.count, start + 1, key, self.get_backend_timeout(timeout), start)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard(super().delete_many, None, keys, version)

    def clear(self):
        return self._guard(super().clear, False)
