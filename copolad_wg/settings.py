"""Settings for the COPOLAD working-group portal.

One env-driven module. The defaults make a fresh clone run with nothing else installed:
SQLite, Celery tasks executed eagerly in-process, e-mail written to the console. Production
sets DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL-style SMTP variables and SECRET_KEY.

One piece past 400 lines on purpose: Django reads one settings module, and every setting the code
reads is declared here once, with its default and its reason, where an operator looks for it.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=None):
    """Read NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_float(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_rate(name, default):
    """A limit written "COUNT/SECONDS" (e.g. "20/600"), as a (count, seconds) pair."""
    value = os.environ.get(name) or default
    try:
        count, seconds = (int(part) for part in value.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f'{name} must be "COUNT/SECONDS", e.g. "20/600", not {value!r}') from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name} needs a count and a period of at least 1, not {value!r}")
    return count, seconds


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=1 for development.")
    SECRET_KEY = "development-only-insecure-key"  # noqa: S105 - only reachable with DEBUG on

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1
# Served over HTTPS in production: the security defaults below follow from it, each overridable.
HTTPS_SITE = not DEBUG and SITE_URL.startswith("https://")

# How many reverse proxies of ours stand in front of gunicorn (Caddy in docker-compose: 1). The
# client's address is then the one that many hops from the right of X-Forwarded-For; with 0 the
# header is ignored (anyone can send it) and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    # modeltranslation must come before the admin so that it patches admin forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "sessions_app",
    "agenda",
    "registrations",
    "registrations.focal_points",
    "registrations.privacy",
    "registrations.outbox",
    "registrations.campaigns",
    "sessions_app.outcomes",
    "sessions_app.discovery",
    "sessions_app.outcomes.practices",
]

MIDDLEWARE = [
    "copolad_wg.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (for the 413 page), before anything reads the body (CSRF).
    "copolad_wg.middleware.RequestBodyLimitMiddleware",
    "copolad_wg.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Who did it: every change the audit log records carries the signed-in staff member.
    "auditlog.middleware.AuditlogMiddleware",
    "copolad_wg.middleware.StaffSecondFactorMiddleware",
    "copolad_wg.middleware.ContentSecurityPolicyMiddleware",
    "copolad_wg.middleware.PrivatePagesMiddleware",
]

ROOT_URLCONF = "copolad_wg.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "copolad_wg.context_processors.programme_contact",
            ],
        },
    },
]

WSGI_APPLICATION = "copolad_wg.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"].get("CONN_MAX_AGE", 0) > 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that accepts the connection and never answers must not hold a worker until
    # gunicorn kills it: connecting (handshake included) and each statement are bounded.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5),
            "options": f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT', 20) * 1000}",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: rate limits (registration form, allauth) need one shared by every process. A Redis that
# is down or silent costs one short timeout, then is skipped for CACHE_RETRY_AFTER seconds: rate
# limits fail open (with a logged warning) and every form still saves (common/cache.py).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "common.cache.FailSafeRedisCache",
            "LOCATION": CACHE_URL,
            # Several deployments (or test runs) may share one Redis: each keeps its keys apart.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            "OPTIONS": {
                "socket_timeout": env_float("CACHE_SOCKET_TIMEOUT", 0.25),
                "socket_connect_timeout": env_float("CACHE_SOCKET_TIMEOUT", 0.25),
                "retry_after": env_int("CACHE_RETRY_AFTER", 10),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "copolad_cache",
        }
    }
# Template fragments ({% cache %}: the session page's content, the empty register form) in each
# process's memory, Django's "template_fragments" alias. Their keys hold the generations read from
# the shared cache (common/pagecache.py: fragment_version), so a write anywhere still makes every
# process render them afresh; a hit costs no round trip and no unpickling (bench/README.md).
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 200},
}
# How long a cached public page may be served at most (common/pagecache.py): a safety net only, since
# every entry is invalidated by the content and seat generations and by its own valid-until moment.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: e-mail login, verified addresses, no open sign-up (focal points are invited).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_ADAPTER = "registrations.focal_points.accounts.InvitationOnlyAccountAdapter"
# Choosing the password from the invitation (allauth's reset-from-key page) signs the person in,
# to their dashboard; a staff member with a second factor is still asked for the code.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# People are named by their full name (else their e-mail), never by the internal username.
ACCOUNT_USER_DISPLAY = "registrations.focal_points.invitations.display_name"
# Failed sign-ins: allauth counts them per client IP only (a per-account count would let anyone
# lock a named person out); per (account, IP) the adapter adds growing delays (ratelimit.py).
_LOGIN_IP_LIMIT = env_rate("LOGIN_IP_RATE_LIMIT", "30/300")
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{_LOGIN_IP_LIMIT[0]}/{_LOGIN_IP_LIMIT[1]}s/ip",
    "reset_password": "5/m/ip,3/5m/key",
}
# Per (account, client IP): this many failures are free; then each one makes that pair wait
# LOGIN_DELAY_SECONDS, doubling with every further failure up to LOGIN_DELAY_MAX_SECONDS.
LOGIN_FREE_FAILURES = env_int("LOGIN_FREE_FAILURES", 5)
LOGIN_DELAY_SECONDS = env_int("LOGIN_DELAY_SECONDS", 30)
LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 3600)
# Form submissions (COUNT/SECONDS): registrations per client IP and per e-mail address, and POSTs
# to the private-link pages per client IP.
REGISTRATION_RATE_LIMIT = env_rate("REGISTRATION_RATE_LIMIT", "20/600")
REGISTRATION_EMAIL_RATE_LIMIT = env_rate("REGISTRATION_EMAIL_RATE_LIMIT", "5/3600")
TOKEN_RATE_LIMIT = env_rate("TOKEN_RATE_LIMIT", "30/600")
# Certificate look-ups by code (GETs: a code can be guessed one request after another), per client IP.
VERIFY_RATE_LIMIT = env_rate("VERIFY_RATE_LIMIT", "60/600")
# "Find my registration": requests per client IP, and e-mails per address (whoever asks).
FIND_REGISTRATION_RATE_LIMIT = env_rate("FIND_REGISTRATION_RATE_LIMIT", "10/3600")
FIND_REGISTRATION_EMAIL_RATE_LIMIT = env_rate("FIND_REGISTRATION_EMAIL_RATE_LIMIT", "3/86400")
# Searches are GETs: counted per client address on their own.
SEARCH_RATE_LIMIT = env_rate("SEARCH_RATE_LIMIT", "60/60")
# The JSON API's throttle per client address, in django-ninja's notation.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "120/min")
# How long a seat change waits for the session's row lock on PostgreSQL before the person is asked
# to try again (registrations/seats.py: lock_session).
REGISTRATION_LOCK_TIMEOUT_MS = env_int("REGISTRATION_LOCK_TIMEOUT_MS", 5000)
LOGIN_REDIRECT_URL = "home"
# Named URL, so the sign-in page opens in the visitor's language (/es/accounts/login/ ...).
LOGIN_URL = "account_login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Internationalisation: English, Spanish and Portuguese; instants stored in UTC.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("pt", _("Portuguese"))]
# The portal's catalogues first; then the Brazilian catalogues of Django and allauth for "pt"
# (see the header of locale/brazilian/pt/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "brazilian"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Date formats per language: en-GB style in English ("10 May 2023, 15:30"), natural dates in es/pt.
FORMAT_MODULE_PATH = ["copolad_wg.formats"]

# The programme's countries (Latin America, the Caribbean and the European Union) come first in every
# country list, then a break, then all the others.
COPOLAD_COUNTRIES = [
    # Latin America and the Caribbean
    "AG", "AR", "BB", "BO", "BR", "BS", "BZ", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "GD", "GT", "GY",
    "HN", "HT", "JM", "KN", "LC", "MX", "NI", "PA", "PE", "PY", "SR", "SV", "TT", "UY", "VC", "VE",
    # European Union
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]  # fmt: skip
COUNTRIES_FIRST = COPOLAD_COUNTRIES
COUNTRIES_FIRST_SORT = True
COUNTRIES_FIRST_BREAK = "──────────"
# django-countries' catalogues get some names wrong for this audience: Spanish "República de África
# Central", "Suazilandia", "Trinidad yTobago"; European Portuguese forms ("Polónia", "Quénia", "Irão")
# where our members read Brazilian Portuguese. Our catalogues give these names.
COUNTRIES_OVERRIDE = {
    "AM": _("Armenia"),
    "BH": _("Bahrain"),
    "BJ": _("Benin"),
    "BS": _("Bahamas"),
    "CF": _("Central African Republic"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "EE": _("Estonia"),
    "EG": _("Egypt"),
    "GL": _("Greenland"),
    "IR": _("Iran"),
    "KE": _("Kenya"),
    "KG": _("Kyrgyzstan"),
    "KM": _("Comoros"),
    "KN": _("Saint Kitts and Nevis"),
    "KP": _("North Korea"),
    "KR": _("South Korea"),
    "KY": _("Cayman Islands"),
    "LV": _("Latvia"),
    "MC": _("Monaco"),
    "MG": _("Madagascar"),
    "MK": _("North Macedonia"),
    "MU": _("Mauritius"),
    "NC": _("New Caledonia"),
    "PL": _("Poland"),
    "QA": _("Qatar"),
    "RO": _("Romania"),
    "SI": _("Slovenia"),
    "SY": _("Syria"),
    "SZ": _("Eswatini"),
    "TJ": _("Tajikistan"),
    "TT": _("Trinidad and Tobago"),
    "YE": _("Yemen"),
}

# django-modeltranslation: content is typed in en/es/pt; a blank translation falls back to
# whichever of the three languages staff filled in, so a page is never empty. The one fallback
# order of pages, e-mails and PDFs (sessions_app.languages reads it): Portuguese readers get
# Spanish before English and Spanish readers Portuguese, the closer language first.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es", "pt")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "es", "pt"), "pt": ("es",), "es": ("pt",)}
# Who signs the certificates of participation (printed under the signature line).
CERTIFICATE_SIGNATORY_NAME = os.environ.get("CERTIFICATE_SIGNATORY_NAME", "COPOLAD III")
# A role typed in the environment is printed as typed; the default is translated into each certificate's language.
CERTIFICATE_SIGNATORY_ROLE = os.environ.get("CERTIFICATE_SIGNATORY_ROLE") or _("Programme coordination")
# The admin's language tabs need jQuery UI: a static path, served by the portal (CSP: 'self').
# django-modeltranslation 0.20 reads the unprefixed names; the prefixed one is kept for newer releases.
JQUERY_UI_URL = MODELTRANSLATION_JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"
JQUERY_URL = MODELTRANSLATION_JQUERY_URL = "admin/js/vendor/jquery/jquery.min.js"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the npm registry (package.json); served by the portal, no CDN.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    # jQuery UI for the admin's language tabs (modeltranslation), also from npm, never a CDN.
    ("vendor/jquery-ui", BASE_DIR / "node_modules" / "jquery-ui" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def object_storage(*, bucket, endpoint_url="", region="", access_key="", secret_key="", signed_url_seconds=60):
    """django-storages' S3 backend on ``bucket`` (AWS S3, MinIO or any S3-compatible store).

    The bucket stays private: no object is readable without a signature, and the portal hands out
    no object URL (the download views stream what they allow; sessions_app/outcomes/views.py). A
    name already taken gets a new one instead of overwriting a stored document.
    """
    from botocore.config import Config

    options = {
        "bucket_name": bucket,
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,
        "querystring_expire": signed_url_seconds,
        "file_overwrite": False,
        # With a client_config of its own, django-storages takes the signature and addressing style
        # from it alone. An object store that hangs costs a download a few seconds, not a worker's
        # whole timeout. MinIO and most S3-compatible stores answer on one host name: path-style.
        "client_config": Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=3,
            read_timeout=20,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if access_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# Stored files (documents, certificates, presentations, practice attachments): MEDIA_ROOT on the local
# disk by default; with AWS_STORAGE_BUCKET_NAME, an S3-compatible bucket that every web node and worker
# shares. Credentials may also come from boto3's usual places (instance role, ~/.aws) when unset.
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = object_storage(
        bucket=os.environ["AWS_STORAGE_BUCKET_NAME"],
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL", ""),
        region=os.environ.get("AWS_S3_REGION_NAME", ""),
        access_key=env_str("AWS_ACCESS_KEY_ID", ""),
        secret_key=env_str("AWS_SECRET_ACCESS_KEY", ""),
        signed_url_seconds=env_int("AWS_QUERYSTRING_EXPIRE", 60),
    )

# E-mail: console by default; SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "COPOLAD Working Group <noreply@copolad.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "copolad.local")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
elif os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Celery: Redis through CELERY_BROKER_URL; with none set, tasks run eagerly in-process. Celery still
# takes a producer from kombu's pool for an eager task: the in-memory transport gives it one with no
# network connection (and without kombu's "No hostname was supplied" warning in every process).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
# A broker that accepts the connection but never answers must not hang a web request.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    # No reconnect attempt when publishing: kombu waits 2 s before its first retry, which a
    # registration answered while Redis is down cannot afford. The row stays queued instead and
    # the sweeper (beat) hands it out once the broker is back.
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY = False
# Several deployments (or test runs) may share one Redis: a key prefix keeps their queues apart.
if os.environ.get("CELERY_BROKER_KEY_PREFIX"):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = os.environ["CELERY_BROKER_KEY_PREFIX"]
# Mailings fan out and send on their own queue, so a campaign never delays a confirmation on
# "default". Workers: `celery -A copolad_wg worker -Q default` and `... worker -Q bulk` (or one
# worker with -Q default,bulk,documents in development), plus `celery -A copolad_wg beat`.
CELERY_TASK_ROUTES = {
    "registrations.build_mailing": {"queue": "bulk"},
    "registrations.send_delivery_batch": {"queue": "bulk"},
    "sessions_app.*": {"queue": "documents"},
}
# Celery closes the database connection around every task unless told to reuse it this many times;
# copolad_wg.celery leaves the decision to Django's CONN_MAX_AGE instead, as for a web request.
CELERY_DB_REUSE_MAX = 1_000_000
# A worker process that grew past this (a hostile PDF, say) is replaced after its task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)  # KiB
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-deliveries": {
        "task": "registrations.requeue_stuck_deliveries",
        "schedule": env_float("OUTBOX_SWEEP_SECONDS", 300.0),
    },
    "dispatch-due-mailings": {"task": "registrations.dispatch_due_mailings", "schedule": 60.0},
    "send-due-reminders": {"task": "registrations.send_due_reminders", "schedule": 120.0},
    # What `manage.py apply_retention` does: expire, drop bodies, anonymise, trim the audit log.
    "apply-retention": {"task": "registrations.apply_retention", "schedule": 3600.0},
    # Focal points hear of their country's roadmap actions due within 30 days or overdue, once each.
    "send-roadmap-reminders": {"task": "sessions_app.send_roadmap_reminders", "schedule": 3600.0},
    # After a session ends, its participants are asked (once) for their evaluation.
    "send-evaluation-invitations": {"task": "outcomes.send_evaluation_invitations", "schedule": 900.0},
}

# Outbox: retries of transient SMTP errors double from this many seconds; a delivery still
# queued this long after its last attempt is handed out again by the sweeper. After a failed
# hand-over to the broker, a process leaves new rows to the sweeper for OUTBOX_BROKER_RETRY_AFTER
# seconds rather than make every request wait for a broker that is down or silent.
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 15)
OUTBOX_STUCK_AFTER_SECONDS = env_int("OUTBOX_STUCK_AFTER_SECONDS", 600)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 50)
OUTBOX_BROKER_RETRY_AFTER = env_int("OUTBOX_BROKER_RETRY_AFTER", 15)
# A request's e-mail waits this long for the ones that follow it (a registration rush), so that the
# worker's sender writes and sends them together, at a lower cost per message (bench/README.md).
OUTBOX_SENDER_GATHER_SECONDS = env_float("OUTBOX_SENDER_GATHER_SECONDS", 0.2)
# What writes a registrant's message on its outbox row just before it is sent: the participants'
# notifications, named here because the outbox sits below them and cannot import them.
OUTBOX_RENDERER = "registrations.notifications.render_delivery"
# Celery logs through Django's LOGGING (JSON lines with the request id), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The programme team's address, shown in every page's footer and wherever a page or message says
# "write to the programme team" (not the no-reply sender).
PROGRAMME_CONTACT_EMAIL = env_str("PROGRAMME_CONTACT_EMAIL", "programme@copolad.local")
# Calendar files of confirmed participants are published events (no Accept/Decline, so no reply to
# a no-reply address). Set a mailbox that reads replies here to send invitations (METHOD:REQUEST).
CALENDAR_ORGANIZER_EMAIL = env_str("CALENDAR_ORGANIZER_EMAIL", "")

# Data protection: how long personal data lives (in days), rendered in the privacy notice and the
# admin. A pending registration nobody confirmed expires; outbox bodies (which hold private links)
# are dropped, their metadata kept; a registration is anonymised PERSONAL_DATA_RETENTION_DAYS after
# the last thing that happened to it (the session's end at the earliest); a certificate's
# verification record (code, initials, session, issue date) stays CERTIFICATE_RECORD_DAYS after it
# was issued; the audit log is trimmed after AUDIT_RETENTION_DAYS. See the README, "Data protection".
PENDING_REGISTRATION_DAYS = env_int("PENDING_REGISTRATION_DAYS", 14)
DELIVERY_BODY_DAYS = env_int("DELIVERY_BODY_DAYS", 30)
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 730)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 1095)
CERTIFICATE_RECORD_DAYS = env_int("CERTIFICATE_RECORD_DAYS", 3650)
# Private links (registrations.tokens): each key is derived from a nonce in the database with this
# secret, which the database never holds, so a copy of the database opens no private page. Keep it
# with SECRET_KEY (defaults to it); changing it ends every link sent unless the old value is listed
# in PRIVATE_LINK_KEY_FALLBACKS (defaults to SECRET_KEY_FALLBACKS).
PRIVATE_LINK_KEY = env_str("PRIVATE_LINK_KEY", "")
PRIVATE_LINK_KEY_FALLBACKS = env_list("PRIVATE_LINK_KEY_FALLBACKS") or None
# Key of the hash that keeps an erased address on the suppression list; keep it when SECRET_KEY
# is rotated, or erased people may be mailed again. Defaults to SECRET_KEY.
SUPPRESSION_HASH_KEY = env_str("SUPPRESSION_HASH_KEY", "")
for _name in (
    "PENDING_REGISTRATION_DAYS",
    "DELIVERY_BODY_DAYS",
    "PERSONAL_DATA_RETENTION_DAYS",
    "AUDIT_RETENTION_DAYS",
    "CERTIFICATE_RECORD_DAYS",
):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 or more days")

# django-auditlog: staff changes to these models are recorded with who, when and what changed.
# Secrets (tokens, passwords) are never copied into the log.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "sessions_app.WorkingGroup",
    "sessions_app.Session",
    "sessions_app.Objective",
    "sessions_app.GuidingQuestion",
    "sessions_app.Conclusions",
    "sessions_app.RoadmapItem",
    "sessions_app.Document",
    "agenda.AgendaItem",
    "agenda.Speaker",
    "agenda.AgendaRole",
    {
        "model": "registrations.Registration",
        # Reverse relations stay out of every tracked model's entries (audit.leave_reverse_relations_out).
        "exclude_fields": ["link_nonce", "legacy_token_hash", "updated_at"],
    },
    "registrations.FocalPoint",
    "registrations.Institution",
    "registrations.SeatReservation",
    "registrations.Mailing",
    "registrations.PrivacyNotice",
    {
        "model": "auth.User",
        "exclude_fields": ["password", "last_login"],
        "m2m_fields": {"groups", "user_permissions"},
    },
)

# Staff sign in with a second factor (allauth.mfa: an authenticator app, plus recovery codes).
# Superusers and anyone who may export personal data must set it up before using the admin.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "COPOLAD WG")
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", default=True)

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# HTTPS: on by default when DEBUG=0 and SITE_URL is https, each one overridable.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS_SITE)
# The health check is called over plain HTTP inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS_SITE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_SITE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=HTTPS_SITE)
# Behind our proxy, which terminates TLS and says so in X-Forwarded-Proto (and overwrites what a
# client sent): only then may Django believe that header.
if env_bool("SECURE_PROXY_SSL_HEADER", default=TRUSTED_PROXY_COUNT > 0):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request bodies: a Content-Length above REQUEST_MAX_BODY_SIZE is answered 413 before a byte of
# the body is read (copolad_wg/middleware.py; the proxy has the same cap). Form fields other than
# files may take DATA_UPLOAD_MAX_MEMORY_SIZE of it.
REQUEST_MAX_BODY_SIZE = env_int("REQUEST_MAX_BODY_SIZE", 5_242_880)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Uploaded documents (presentations, practice documents; common/uploads.py): the largest file
# accepted. The views that take one (and the admin) allow a body this large plus 1 MiB of form.
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_SIZE", 20_971_520)

# Logs: one JSON object per line (LOG_FORMAT=json, the default with DEBUG=0) carrying the request
# id, which also travels with the Celery tasks a request starts (copolad_wg/observability.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "copolad_wg.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "copolad_wg.observability.JsonFormatter"},
        "text": {
            "()": "copolad_wg.observability.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
