"""What a production set-up needs from the portal itself: request bodies refused before they are
read, private pages kept out of caches, the client address behind our proxies, sign-in delays per
(account, address), a cache that fails open, the health check, request ids and the first staff
account. The same behaviours against real Redis, gunicorn and SMTP are in tests/services/test_outages.py.
"""

import io
import json
import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from common.ratelimit import client_ip
from copolad_wg.observability import JsonFormatter, RequestIdFilter, bind_request_id, unbind_request_id
from registrations.models import Registration
from tests.factories import UserFactory
from tests.registrations.helpers import form_data

THIRTY_MB = 30 * 1024 * 1024


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def register_url(session, language="es"):
    return f"/{language}/registrations/sessions/{session.slug}/register/"


# Request bodies


@pytest.mark.parametrize("language", ["es", "pt"])
def test_a_30_mb_registration_is_refused_from_its_content_length_with_a_translated_page(client, session, language):
    # The body sent is small; only its announced length is large: the answer cannot have read it.
    response = client.generic(
        "POST",
        register_url(session, language),
        b"email=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(THIRTY_MB),
    )

    assert response.status_code == 413
    html = response.content.decode()
    title = {"es": "Lo que envió es demasiado grande", "pt": "O que você enviou é grande demais"}[language]
    assert f"<title>{title}</title>" in html
    # A hop-by-hop header would make the development server answer 500 instead (PEP 3333).
    assert "Connection" not in response.headers
    assert Registration.objects.count() == 0


def test_a_30_mb_sign_in_is_refused_before_the_body_is_read(client, db):
    response = client.generic(
        "POST",
        "/en/accounts/login/",
        b"login=a",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(THIRTY_MB),
    )

    assert response.status_code == 413
    assert "<title>What you sent is too large</title>" in response.content.decode()


def test_a_body_within_the_cap_is_served_as_usual(client, session, settings):
    settings.REQUEST_MAX_BODY_SIZE = 100_000

    response = client.post(register_url(session), form_data("ana@example.org"))

    assert response.status_code == 302
    assert list(Registration.objects.values_list("email", flat=True)) == ["ana@example.org"]


# Private pages


def _cache_control(response):
    return sorted(part.strip() for part in response.get("Cache-Control", "").split(","))


def test_focal_point_pages_with_names_and_emails_are_never_cached(client, focal_point_uruguay):
    client.force_login(focal_point_uruguay.user)

    for url in ("/es/focal-point/", "/es/focal-point/registrations/"):
        response = client.get(url)
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(_cache_control(response)), url


def test_pages_behind_a_private_link_are_never_cached(client, participant):
    for url in (
        f"/es/registrations/r/{participant.token}/",
        f"/es/registrations/{participant.token}/documents/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(_cache_control(response)), url


def test_account_pages_are_never_cached_and_public_pages_are_not_marked_private(client, session):
    sign_in = client.get("/es/accounts/login/")
    public = client.get(f"/es/sessions/{session.slug}/")

    assert {"private", "no-store"} <= set(_cache_control(sign_in))
    assert public.status_code == 200
    assert "no-store" not in _cache_control(public)


# The client's address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy of ours: the header is the client's own claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client prepended a lie; Caddy appended the truth
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: a request that bypassed the outer one
        (1, "not-an-address", "unknown"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_x_forwarded_for_only_as_far_as_our_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_registration_limit_counts_each_client_behind_the_proxy_apart(one_rate_window, client, session, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REGISTRATION_RATE_LIMIT = (2, 600)
    answers = []
    for person in range(3):
        for attempt in range(3):
            response = client.post(
                register_url(session),
                form_data(f"p{person}-{attempt}@example.org"),
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{person + 1}",
            )
            answers.append(response.status_code)

    assert answers == [302, 302, 429] * 3
    assert Registration.objects.count() == 6


def test_registration_limit_per_email_address(one_rate_window, client, session, settings):
    settings.REGISTRATION_EMAIL_RATE_LIMIT = (2, 3600)
    answers = [
        client.post(register_url(session), form_data("same@example.org"), REMOTE_ADDR=f"10.0.1.{n}").status_code
        for n in range(3)
    ]

    assert answers == [302, 302, 429]
    assert Registration.objects.count() == 1


# Sign-in


@pytest.fixture
def focal_point_with_address(focal_point_uruguay):
    EmailAddress.objects.create(user=focal_point_uruguay.user, email="fp.uy@example.org", verified=True, primary=True)
    return focal_point_uruguay


def sign_in(client, password, ip):
    return client.post("/es/accounts/login/", {"login": "fp.uy@example.org", "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_from_one_address_do_not_lock_the_person_out_from_theirs(focal_point_with_address, client):
    for _attempt in range(5):
        assert sign_in(client, "wrong guess", "198.51.100.66").status_code == 200

    from_attacker = sign_in(client, "correct horse battery", "198.51.100.66")
    from_person = sign_in(client, "correct horse battery", "203.0.113.10")

    assert from_attacker.status_code == 200
    assert "Demasiados intentos fallidos de inicio de sesión desde su conexión" in from_attacker.content.decode()
    assert from_person.status_code == 302
    assert from_person["Location"] == "/es/focal-point/"
    assert client.session["_auth_user_id"] == str(focal_point_with_address.user.pk)


def test_sign_in_delays_grow_with_each_further_failure(settings, db):
    from common.ratelimit import login_wait_seconds, record_login_failure

    settings.LOGIN_FREE_FAILURES = 2
    settings.LOGIN_DELAY_SECONDS = 30
    settings.LOGIN_DELAY_MAX_SECONDS = 200
    waits = [record_login_failure(account="a@example.org", ip="198.51.100.1", now=1000) for _ in range(6)]

    assert waits == [0, 30, 60, 120, 200, 200]
    assert login_wait_seconds(account="a@example.org", ip="198.51.100.1", now=1100) == 100
    assert login_wait_seconds(account="a@example.org", ip="203.0.113.1", now=1100) == 0
    assert login_wait_seconds(account="b@example.org", ip="198.51.100.1", now=1100) == 0


def test_sign_in_delays_count_an_ipv6_slash_64_as_one_address(settings, db):
    from common.ratelimit import login_wait_seconds, record_login_failure

    settings.LOGIN_FREE_FAILURES = 1
    for host in range(1, 4):
        record_login_failure(account="a@example.org", ip=f"2001:db8:1:2::{host}", now=1000)

    assert login_wait_seconds(account="a@example.org", ip="2001:db8:1:2:ffff::9", now=1000) == 120
    assert login_wait_seconds(account="a@example.org", ip="2001:db8:1:3::1", now=1000) == 0


# A cache that is down


def test_a_cache_that_is_down_answers_empty_and_logs_one_warning(dead_redis_cache, caplog):
    from django.core.cache import cache as current_cache

    with caplog.at_level(logging.WARNING, logger="common.cache"):
        results = [
            current_cache.add("k", 1),
            current_cache.get("k", "default"),
            current_cache.incr("k"),
            current_cache.count("k", 60),
            current_cache.set("k", 2),
            current_cache.get_many(["k"]),
            current_cache.delete("k"),
        ]

    assert results == [True, "default", 1, 1, None, {}, False]
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == ["Cache unavailable"]


def test_registration_and_sign_in_work_while_the_cache_is_down(
    dead_redis_cache, client, session, focal_point_with_address
):
    registered = client.post(register_url(session), form_data("ana@example.org"))
    signed_in = sign_in(client, "correct horse battery", "203.0.113.10")

    assert registered.status_code == 302
    assert list(Registration.objects.values_list("email", flat=True)) == ["ana@example.org"]
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(focal_point_with_address.user.pk)


# Health


def test_healthz_reports_each_component_and_the_outbox_without_personal_data(client, participant):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "not configured", "worker": "in-process"}
    assert sorted(body["outbox"]) == ["failed", "oldest_queued_seconds", "queued", "retrying"]
    assert participant.email not in response.content.decode()


def test_healthz_says_degraded_when_the_cache_is_down(dead_redis_cache, client, db):
    body = client.get("/healthz").json()

    assert (body["status"], body["checks"]["cache"], body["checks"]["database"]) == ("degraded", "unavailable", "ok")


# Request ids and JSON logs


def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept_only_behind_our_proxy(client, session, settings):
    own = client.get(f"/es/sessions/{session.slug}/", HTTP_X_REQUEST_ID="proxy-given-id-123")
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = client.get(f"/es/sessions/{session.slug}/", HTTP_X_REQUEST_ID="proxy-given-id-123")

    assert len(own["X-Request-ID"]) == 32 and own["X-Request-ID"] != "proxy-given-id-123"
    assert proxied["X-Request-ID"] == "proxy-given-id-123"


def test_json_log_lines_carry_the_request_id_and_extra_fields():
    record = logging.LogRecord("copolad", logging.WARNING, __file__, 1, "Delivery %s failed", (7,), None)
    record.delivery = 7
    token = bind_request_id("abc123def456")
    try:
        RequestIdFilter().filter(record)
    finally:
        unbind_request_id(token)

    entry = json.loads(JsonFormatter().format(record))

    assert {key: entry[key] for key in ("level", "logger", "message", "request_id", "delivery")} == {
        "level": "WARNING",
        "logger": "copolad",
        "message": "Delivery 7 failed",
        "request_id": "abc123def456",
        "delivery": 7,
    }


def test_the_request_log_line_names_the_route_not_the_private_link(client, participant, caplog):
    with caplog.at_level(logging.INFO, logger="copolad_wg.requests"):
        client.get(f"/es/registrations/r/{participant.token}/")

    [record] = [record for record in caplog.records if record.name == "copolad_wg.requests"]
    assert record.route == "es/registrations/r/<slug:token>/"
    assert participant.token not in record.getMessage()


# The first staff account


def test_create_staff_creates_a_verified_superuser_once_and_never_changes_it(db, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a long and unusual passphrase 42")
    call_command("create_staff", "--email", "Ana@Example.org", stdout=io.StringIO())
    user = get_user_model().objects.get(email="ana@example.org")
    user.is_superuser = False
    user.set_password("changed by ana herself 99")
    user.save()

    monkeypatch.setenv("STAFF_PASSWORD", "a different passphrase 43")
    out = io.StringIO()
    call_command("create_staff", "--email", "ana@example.org", "--if-missing", stdout=out)
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_staff", "--email", "ana@example.org", stdout=io.StringIO())

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.check_password("changed by ana herself 99")) == (True, False, True)
    assert out.getvalue() == "A staff account for ana@example.org exists already; left unchanged.\n"
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [("ana@example.org", True, True)]


def test_create_staff_without_a_password_leaves_the_owner_to_set_one(db, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    monkeypatch.delenv("STAFF_PASSWORD_FILE", raising=False)
    UserFactory(username="someone-else")

    call_command("create_staff", "--email", "ops@example.org", stdout=io.StringIO())

    user = get_user_model().objects.get(email="ops@example.org")
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, True, False)


# A worker's database connection


def _closable_connection(monkeypatch, max_age):
    """The connection, opened afresh with CONN_MAX_AGE ``max_age``."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database lives in memory: Django never closes its connection")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", max_age)
    connection.close()
    connection.ensure_connection()
    return connection


def _run_task_end(fixup):
    """What a worker does when a task ends: Celery's Django fix-up, then the task_postrun signal."""
    from celery import signals

    from registrations.outbox.tasks import send_delivery_task as task

    assert task.request.is_eager is False  # as in a worker, outside a test's eager call
    fixup.on_task_postrun(sender=task)
    signals.task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("max_age", "kept"), [(60, True), (0, False)])
def test_a_worker_keeps_its_database_connection_from_task_to_task_as_gunicorn_does(monkeypatch, max_age, kept):
    from celery.fixups.django import DjangoWorkerFixup

    from copolad_wg.celery import app

    connection = _closable_connection(monkeypatch, max_age)
    opened = connection.connection

    _run_task_end(DjangoWorkerFixup(app))

    assert (connection.connection is opened) == kept


@pytest.mark.django_db(transaction=True)
def test_a_worker_drops_a_broken_database_connection_after_its_task(monkeypatch):
    from celery.fixups.django import DjangoWorkerFixup

    from copolad_wg.celery import app

    connection = _closable_connection(monkeypatch, 60)
    connection.errors_occurred = True
    monkeypatch.setattr(connection, "is_usable", lambda: False)

    _run_task_end(DjangoWorkerFixup(app))

    assert connection.connection is None
