"""One circuit breaker: after a failure, a process leaves a resource alone for a few seconds.

A Redis or a broker that accepts connections and never answers costs each call its socket timeout
(seconds); without a breaker every request during the outage would pay it. The state is per process
and shared by its threads; each resource (a cache location, the broker) has a key of its own.
"""

import threading
import time


class CircuitBreaker:
    """``is_open(key)`` says whether to skip the resource; ``trip(key, seconds)`` opens it for ``seconds``."""

    def __init__(self, name):
        self.name = name
        self._lock = threading.Lock()
        self._open_until = {}

    def is_open(self, key=""):
        return time.monotonic() < self._open_until.get(key, 0.0)

    def trip(self, key="", *, seconds):
        """Open the breaker for ``seconds``; returns True when it was closed before (the first failure)."""
        with self._lock:
            was_open = self.is_open(key)
            self._open_until[key] = time.monotonic() + seconds
        return not was_open

    def reset(self):
        with self._lock:
            self._open_until.clear()
