"""The production settings (``copolad_wg.settings``) as the ceiling benchmarks run them.

Changed only where a benchmark needs it, never to make the portal faster:
- the URLconf adds the trivial views the ceiling is measured with (``site_urls``);
- the cache keys carry the run's prefix, since the machine's Redis may be shared;
- every request comes from 127.0.0.1, so the per-address rate limit is raised (its cache calls
  still run on every POST).
"""

import os

from copolad_wg.settings import *  # noqa: F403

ROOT_URLCONF = "site_urls"
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")  # noqa: F405
REGISTRATION_RATE_LIMIT = (10**9, 600)
