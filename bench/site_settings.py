"""The production settings (``copolad_wg.settings``) as the ceiling benchmarks run them.

Changed only where a benchmark needs it, never to make the portal faster:
- the URLconf adds the trivial views the ceiling is measured with (``site_urls``);
- every request comes from 127.0.0.1, so the per-address rate limits are raised (their cache calls
  still run on every POST): REGISTRATION_RATE_LIMIT for the register form, TOKEN_RATE_LIMIT for the
  private-link pages (the confirm POST behind the e-mailed link), else all but the first 30 of the
  race's confirmations would be answered 429. The per-address-of-e-mail limit is untouched: each
  person of the race has an address of their own.
"""

from copolad_wg.settings import *  # noqa: F403

ROOT_URLCONF = "site_urls"
REGISTRATION_RATE_LIMIT = (10**9, 600)
TOKEN_RATE_LIMIT = (10**9, 600)
