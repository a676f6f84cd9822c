"""Shared fixtures: the named personas every test module may use."""

import contextlib
import os

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories import FocalPointFactory, RegistrationFactory, SessionFactory, UserFactory

# The SQLite pass (`make test-sqlite`) loads this profile: it repeats on the second database a few of
# the examples the PostgreSQL pass searches through (where a property test sets its own number, it
# takes the smaller of the two).
hypothesis_settings.register_profile("second-database", max_examples=15)

DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers
def pytest_collection_modifyitems(items):
    """Mark every test that uses the test database ``database``: `make test` runs the others once."""
    for item in items:
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /es/ or /pt/ leaves that language active in the thread: start each test in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (ours and allauth's) live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def one_rate_window():
    """The clock starts a second into the current UTC day and runs on: every rate-limit window (each
    period divides a day) then starts with the test, so requests a test counts never straddle two
    windows, which gave the third request of a minute's limit a fresh window now and then."""
    import time

    import time_machine

    day = 24 * 60 * 60
    with time_machine.travel(time.time() // day * day + 1, tick=True):
        yield


@pytest.fixture(autouse=True)
def _published_privacy_notice(request):
    """The privacy notice a migration publishes, there for every test that uses the database.

    A test that commits (browser, services) flushes every table when it ends, the migrated row
    included, and the tests after it (in any order, on any worker) must still find a notice.
    """
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    if not (transactional or marker is not None or "db" in names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.utils import timezone

    from registrations.models import PrivacyNotice
    from registrations.privacy.defaults import FIRST_NOTICE

    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(version=1, published_at=timezone.now(), **FIRST_NOTICE)


@pytest.fixture
def staff(db):
    """A superuser with an authenticator app set up, as the staff second factor requires."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(username="staff", email="staff@copolad.example", is_staff=True, is_superuser=True)
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


@contextlib.contextmanager
def one_totp_window():
    """The clock held still while a test reads an authenticator code and sends it: allauth accepts
    the code of the current 30-s window only, and a code read at the end of its window was refused a
    moment later, in the next one (seen in CI)."""
    import time

    import time_machine

    with time_machine.travel(time.time(), tick=False):
        yield


def totp_code(secret):
    """The code an authenticator app shows now for ``secret`` (send it within ``one_totp_window``)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def focal_point_uruguay(db):
    user = UserFactory(username="fp-uy", email="fp.uy@example.org", first_name="Lucía", last_name="Rodríguez")
    return FocalPointFactory(user=user, country="UY")


@pytest.fixture
def focal_point_mexico(db):
    user = UserFactory(username="fp-mx", email="fp.mx@example.org", first_name="José", last_name="Hernández")
    return FocalPointFactory(user=user, country="MX")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", email="outsider@example.org")


@pytest.fixture
def session(db):
    return SessionFactory()


@pytest.fixture
def participant(session):
    return RegistrationFactory(session=session, email="maria.goncalves@example.org", full_name="Maria Gonçalves")


# Debian's Chromium in its build for automation, chromium-headless-shell: the same source package
# as `chromium` and the same Blink, and what Playwright itself launches for a headless run. It
# skips the full browser's window machinery, which costs the browser tests a third of their CPU
# (bench/README.md, "Measurements behind choices in the code"). A machine with only `chromium`
# runs them in that.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) or os.environ.get("CI") else "/usr/bin/chromium"


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend sends to it for this test."""
    from tests.support.smtp import SMTPSink

    sink = SMTPSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def _chromium():
    """The system Chromium under Playwright; skipped locally when absent, an error on CI."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium-headless-shell")
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous, so Django's async-safety check would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def chromium_page(_chromium):
    """A fresh browser context (English, Montevideo time) and page for one test."""
    context = _chromium.new_context(locale="en-GB", timezone_id="America/Montevideo", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def dead_redis_cache(settings):
    """The production cache pointed at a port where nothing listens: Redis is away for this test."""
    from common.cache import BREAKER
    from tests.support.caches import fail_safe_redis
    from tests.support.smtp import free_port

    BREAKER.reset()
    # Nothing listens on that port.
    settings.CACHES = {"default": fail_safe_redis(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5, retry_after=30)}
    yield
    BREAKER.reset()


# ── Object storage ──────────────────────────────────────────────────────────────────────────
# moto's S3 server, one process per test run (per xdist worker), a fresh private bucket per test.


@pytest.fixture(scope="session")
def object_store():
    from tests.support.objectstore import ObjectStore

    store = ObjectStore().start()
    yield store
    store.stop()


@pytest.fixture
def bucket(object_store, settings):
    """The default storage is a bucket of this test's own (the settings AWS_STORAGE_BUCKET_NAME builds)."""
    bucket = object_store.bucket()
    settings.STORAGES = bucket.storages(settings.STORAGES)
    return bucket
