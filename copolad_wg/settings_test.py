"""Test settings: the main settings with only what makes tests fast and hermetic changed.

DATABASE_URL still chooses the database, so `make test` runs the same suite on SQLite and on
PostgreSQL. Tests that need the real broker, worker or SMTP server set them up themselves and
carry the `services` marker.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from copolad_wg.settings import *  # noqa: F403 - the main settings, then only what tests change

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://localhost/"  # eager, as copolad_wg.settings without a broker
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    **STORAGES,  # noqa: F405 - defined by the star import above
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# WhiteNoise looks a static file up when it is asked for, instead of listing every file the finders
# know (bootstrap's and jQuery UI's dist folders: 800 files) each time a test client builds its
# middleware: that listing was a quarter of a client test's time.
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
# Tests talk plain HTTP to the test client, whatever SITE_URL the environment gives.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
