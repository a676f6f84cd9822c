"""The production cache (common.cache.FailSafeRedisCache) as the tests point it at a Redis."""


def fail_safe_redis(url, *, key_prefix="", timeout=0.25, retry_after=10):
    """A CACHES["default"] entry for the Redis at ``url``, with the production backend and options."""
    return {
        "BACKEND": "common.cache.FailSafeRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry_after": retry_after},
    }
