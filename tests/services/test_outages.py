"""A production set-up under strain, on real components: Redis stopped or silent while people
register (through the test client and through gunicorn), SMTP down during a password reset, a crowd
behind one proxy, a stranger guessing a password, 30 MB bodies, a database that never answers.

Timings asserted here are bounds that tell "answered" from "hung" (a request that waits for a dead
Redis without a timeout takes 30 s or more); how fast things are is measured in bench/.
"""

import html
import http.client
import os
import re
import socket
import sys
import time
import urllib.parse
from collections import Counter
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import translation

from common.cache import BREAKER as CacheBreaker
from registrations.models import Delivery, Registration
from registrations.outbox.queueing import BROKER_BREAKER
from registrations.outbox.tasks import requeue_stuck_deliveries_task
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import form_data
from tests.services.conftest import (
    Broker,
    RedisServer,
    SilentServer,
    point_celery_at,
    restore_eager_celery,
    spawn,
    stop_process_group,
    wait_for,
)
from tests.support.caches import fail_safe_redis
from tests.support.smtp import SMTPSink, free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ANSWER_WITHIN = 5.0  # seconds: the bound for every POST while Redis is away
THIRTY_MB = 30 * 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_breakers():
    CacheBreaker.reset()
    BROKER_BREAKER.reset()
    yield
    CacheBreaker.reset()
    BROKER_BREAKER.reset()


def use_redis_cache(settings, url):
    settings.CACHES = {"default": fail_safe_redis(url)}


def register_url(session, language="es"):
    with translation.override(language):
        return reverse("registrations:register", kwargs={"slug": session.slug})


class Browser:
    """Just enough of a browser for gunicorn: cookies, the CSRF token, urlencoded POSTs."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            body = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response, content

    def post_form(self, path, data):
        _response, page = self.request("GET", path)
        token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
        started = time.monotonic()
        response, content = self.request("POST", path, {**data, "csrfmiddlewaretoken": token})
        return response, content, time.monotonic() - started


def redis_outage(kind):
    """A Redis URL that is down (nothing listens) or silent (accepts, never answers), and how to
    bring a real Redis back on the same port."""
    if kind == "stopped":
        server = RedisServer().start()
        server.stop()
        return server.url, server, server.start
    silent = SilentServer().start()
    replacement = RedisServer()
    replacement.port = silent.port
    replacement.url = f"redis://127.0.0.1:{silent.port}/0"
    replacement.broker = Broker(url=replacement.url)

    def come_back():
        silent.stop()
        return replacement.start()

    return silent.url, replacement, come_back


@pytest.mark.parametrize("outage", ["stopped", "silent"])
def test_fifty_people_register_while_redis_is_away_and_each_gets_one_confirmation_once_it_is_back(
    outage, settings, start_worker, start_gunicorn, smtp_server, client
):
    redis_url, redis_server, bring_back = redis_outage(outage)
    cache_url = redis_url.rsplit("/", 1)[0] + "/1"
    use_redis_cache(settings, cache_url)
    # One slow hand-over per process for the whole test, not one every few seconds: keeps it short.
    settings.OUTBOX_BROKER_RETRY_AFTER = 60
    point_celery_at(Broker(url=redis_url))
    web = start_gunicorn(
        env={"CELERY_BROKER_URL": redis_url, "CACHE_URL": cache_url, "OUTBOX_BROKER_RETRY_AFTER": "60"}, workers=1
    )
    session = SessionFactory(title="Inclusive mechanisms", capacity=100)
    url = register_url(session)
    by_client = [f"client{i}@example.org" for i in range(25)]
    by_gunicorn = [f"gunicorn{i}@example.org" for i in range(25)]

    try:
        answers = []
        for number, email in enumerate(by_client):
            started = time.monotonic()
            response = client.post(url, form_data(email=email), REMOTE_ADDR=f"10.1.0.{number}")
            answers.append((response.status_code, time.monotonic() - started))
        for email in by_gunicorn:
            response, _content, elapsed = Browser(web).post_form(url, form_data(email=email))
            answers.append((response.status, elapsed))

        assert [status for status, _elapsed in answers] == [302] * 50
        slow = [round(elapsed, 1) for _status, elapsed in answers if elapsed >= ANSWER_WITHIN]
        assert slow == []
        assert Registration.objects.count() == 50
        assert Counter(Delivery.objects.values_list("status", flat=True)) == Counter({Delivery.Status.QUEUED: 50})
        assert smtp_server.messages == []

        redis_server = bring_back()
        broker = Broker(url=redis_url)
        start_worker(broker=broker)
        point_celery_at(broker)

        def all_confirmed():
            try:
                requeue_stuck_deliveries_task.delay()  # beat's sweeper
            except Exception:  # noqa: BLE001 - a pooled connection from before the outage; reconnect
                point_celery_at(broker)
            return len(set(smtp_server.handler.recipients())) == 50

        wait_for(all_confirmed, timeout=90, interval=2, message="fifty confirmations")
        wait_for(
            lambda: not Delivery.objects.filter(status=Delivery.Status.QUEUED).exists(), timeout=30, message="settled"
        )
        time.sleep(2)  # a duplicate, if any, would arrive now
        assert Counter(smtp_server.handler.recipients()) == Counter(dict.fromkeys(by_client + by_gunicorn, 1))
    finally:
        restore_eager_celery()
        redis_server.stop()


def test_password_reset_while_smtp_is_down_answers_normally_and_the_mail_arrives_once_it_is_up(
    broker, start_worker, smtp_server, client
):
    user = UserFactory(username="fp", email="fp.uy@example.org")
    EmailAddress.objects.create(user=user, email="fp.uy@example.org", verified=True, primary=True)
    worker = start_worker(broker=broker)
    smtp_server.stop()  # nothing listens on the worker's SMTP port now

    response = client.post("/es/accounts/password/reset/", {"email": "fp.uy@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/es/accounts/password/reset/done/"
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.to_email) == ("account", "fp.uy@example.org")
    wait_for(lambda: Delivery.objects.get().attempts >= 1, timeout=30, message="a first, failed attempt")
    assert Delivery.objects.get().status == Delivery.Status.QUEUED

    # The worker's log line about the failed attempt carries the id of the request that queued it.
    request_id = response["X-Request-ID"]
    failed_attempt = next(
        line for line in worker.log_path.read_text().splitlines() if f"Delivery {delivery.pk} not sent" in line
    )
    assert f'"request_id": "{request_id}"' in failed_attempt

    # The health check sees the worker, and the message waiting in the outbox after a failed attempt.
    health = client.get("/healthz").json()
    assert (health["status"], health["checks"]["broker"], health["checks"]["worker"]) == ("ok", "ok", "ok")
    assert {key: health["outbox"][key] for key in ("queued", "retrying", "failed")} == {
        "queued": 1,
        "retrying": 1,
        "failed": 0,
    }

    smtp_server.controller = SMTPSink(port=smtp_server.port).controller
    smtp_server.controller.handler = smtp_server.handler
    smtp_server.start()
    wait_for(lambda: smtp_server.messages, timeout=60, message="the reset e-mail")
    wait_for(lambda: Delivery.objects.get().status == Delivery.Status.SENT, timeout=10, message="sent")
    time.sleep(1)

    [message] = smtp_server.messages
    assert message["To"] == "fp.uy@example.org"
    assert message["Subject"].strip() == "[Grupo de Trabajo COPOLAD III] Correo electrónico para restablecer contraseña"
    assert re.search(r"/es/accounts/password/reset/key/\S+/", message.get_body(("plain",)).get_content())


@pytest.fixture
def redis_cache(settings, own_redis):
    use_redis_cache(settings, own_redis.url.rsplit("/", 1)[0] + "/1")
    cache.clear()
    yield own_redis
    cache.clear()


def test_thirty_clients_behind_one_proxy_are_limited_apart_and_a_spoofed_header_changes_nothing(
    redis_cache, settings, client
):
    # A long window: the counters are per fixed window, and crossing a boundary mid-test resets them.
    settings.REGISTRATION_RATE_LIMIT = (2, 86_400)
    session = SessionFactory(capacity=500)
    url = register_url(session)

    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = [
        [
            client.post(
                url,
                form_data(email=f"c{person}-{attempt}@example.org"),
                REMOTE_ADDR="10.0.0.2",  # the proxy
                HTTP_X_FORWARDED_FOR=f"203.0.113.{person + 1}",
            ).status_code
            for attempt in range(3)
        ]
        for person in range(30)
    ]
    assert behind_proxy == [[302, 302, 429]] * 30

    settings.TRUSTED_PROXY_COUNT = 0
    direct = [
        client.post(
            url,
            form_data(email=f"d{person}@example.org"),
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{person + 1}",  # each request claims another address
        ).status_code
        for person in range(30)
    ]
    assert direct == [302, 302] + [429] * 28
    assert Registration.objects.count() == 30 * 2 + 2


def test_five_wrong_passwords_from_one_address_leave_the_right_password_working_from_another(redis_cache, client):
    user = UserFactory(username="fp", email="fp.uy@example.org")
    EmailAddress.objects.create(user=user, email="fp.uy@example.org", verified=True, primary=True)

    def sign_in(password, ip):
        return client.post("/es/accounts/login/", {"login": "fp.uy@example.org", "password": password}, REMOTE_ADDR=ip)

    wrong = [sign_in("not the password", "198.51.100.66").status_code for _attempt in range(5)]
    again_from_attacker = sign_in("correct horse battery", "198.51.100.66")
    from_person = sign_in("correct horse battery", "203.0.113.10")

    assert wrong == [200] * 5
    assert again_from_attacker.status_code == 200
    assert "Demasiados intentos fallidos de inicio de sesión" in again_from_attacker.content.decode()
    assert (from_person.status_code, from_person["Location"]) == (302, "/es/")
    assert client.session["_auth_user_id"] == str(user.pk)


def post_without_sending_the_body(server, path, length=THIRTY_MB, sent_first=64 * 1024):
    """Send the headers of a ``length``-byte POST and only ``sent_first`` bytes of its body, then
    read: an answer now means the server decided without reading the body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
            + b"a" * sent_first
        )
        answer = b""
        while b"\r\n\r\n" not in answer or b"</html>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode(errors="replace")


def test_a_30_mb_post_to_the_sign_in_and_registration_forms_gets_413_before_the_body_is_read(start_gunicorn):
    session = SessionFactory()
    web = start_gunicorn()

    for path in ("/es/accounts/login/", register_url(session)):
        answer = post_without_sending_the_body(web, path)

        # 64 KB of 30 MB sent, and the complete answer is already here.
        assert answer.startswith("HTTP/1.1 413 "), answer[:200]
        assert "<title>Lo que envió es demasiado grande</title>" in answer
    assert Registration.objects.count() == 0


@pytest.fixture
def dev_server(transactional_db, tmp_path):
    """`manage.py runserver` (what `make run` serves) on the test database, stopped after the test."""
    port = free_port()
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "copolad_wg.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        environment.pop(name, None)
    log_path = tmp_path / "runserver.log"
    process = spawn(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=environment,
        log_path=log_path,
    )

    def answers():
        if process.poll() is not None:
            pytest.fail(f"runserver exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_for(answers, timeout=60, interval=0.3, message=f"runserver (log: {log_path})")
    yield SimpleNamespace(port=port, log_path=log_path)
    stop_process_group(process)


def test_a_whole_30_mb_post_to_the_development_server_gets_413_not_500(dev_server):
    session = SessionFactory()

    for path in ("/es/accounts/login/", register_url(session)):
        # The whole body, as a browser sends it: the development server reads and drops what the
        # portal left unread, then answers.
        conn = http.client.HTTPConnection("127.0.0.1", dev_server.port, timeout=60)
        conn.request("POST", path, body=b"a" * THIRTY_MB, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()

        assert response.status == 413
        assert "<title>Lo que envió es demasiado grande</title>" in body
    # The server's own request log: two 413s, no 500 ("Hop-by-hop header not allowed").
    statuses = re.findall(r'" (\d{3}) ', dev_server.log_path.read_text())
    assert statuses == ["413", "413"]
    assert Registration.objects.count() == 0


def test_a_database_that_never_answers_gets_the_busy_page_within_the_connect_timeout(start_gunicorn):
    silent = SilentServer().start()
    try:
        web = start_gunicorn(
            env={"DATABASE_URL": f"postgres://copolad@127.0.0.1:{silent.port}/copolad", "DB_CONNECT_TIMEOUT": "2"}
        )
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        conn.request("GET", "/pt/")
        response = conn.getresponse()
        body = response.read().decode()
        elapsed = time.monotonic() - started
        conn.close()
    finally:
        silent.stop()

    assert response.status == 503
    assert response.getheader("Retry-After") == "30"
    assert "<title>O portal está ocupado</title>" in body
    assert elapsed < 2 + 2  # the connect timeout, and a margin for the page


def test_a_signed_in_person_gets_the_busy_page_too_when_the_database_never_answers(start_gunicorn):
    """Anyone with a session cookie: middleware reads the session's user in its own __call__ (the
    audit log's, the staff second factor's), outside the view's exception hook."""
    silent = SilentServer().start()
    try:
        web = start_gunicorn(
            env={"DATABASE_URL": f"postgres://copolad@127.0.0.1:{silent.port}/copolad", "DB_CONNECT_TIMEOUT": "2"}
        )
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        conn.request("GET", "/pt/focal-point/", headers={"Cookie": "sessionid=k3y0fas1gnedinpers0n0000000000000"})
        response = conn.getresponse()
        body = response.read().decode()
        elapsed = time.monotonic() - started
        conn.close()
    finally:
        silent.stop()

    assert response.status == 503
    assert response.getheader("Retry-After") == "30"
    assert "<title>O portal está ocupado</title>" in body
    assert elapsed < 2 + 2  # the connect timeout, and a margin for the page
