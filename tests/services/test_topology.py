"""The production topology, run for real on 127.0.0.1: Debian's caddy with the project's own
deploy/Caddyfile over TLS (Caddy's internal certificate authority) in front of two gunicorn web
nodes, a Celery worker per queue (default, bulk, documents) and beat, PostgreSQL, a Redis of the
test's own and moto's S3 server as the object store. Every request of the journey goes through the
proxy over HTTPS.

Addressing a node: the proxy's upstreams come from the environment (UPSTREAMS), and a test-only
snippet (CADDY_SITE_EXTRA, imported by the Caddyfile; none in production) routes a request carrying
``X-Upstream: a`` or ``b`` to that node alone. Each node's access log says which node served what.

A stage of its own in `make test` (marker ``topology``): one stack for the whole module.
"""

import contextlib
import hashlib
import html
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse
from django.utils import translation

from copolad_wg.observability import redact
from registrations.link_keys import keys
from registrations.models import Registration
from sessions_app.models import Document, Publication, Session
from sessions_app.outcomes.conclusions import write_conclusions
from tests.factories import SessionFactory, UserFactory
from tests.registrations.helpers import form_data
from tests.services.conftest import (
    REPO_ROOT,
    Broker,
    Gunicorn,
    RedisServer,
    Worker,
    _unavailable,
    spawn,
    stop_process_group,
    wait_for,
)
from tests.support.objectstore import ObjectStore
from tests.support.smtp import SMTPSink, free_port

# The nodes and workers live through every test of the module and keep ContentType ids in memory
# (the audit log writes them). A plain flush between tests would create the content types again under
# new ids; with serialized_rollback the rows come back as they were, ids included.
pytestmark = [
    pytest.mark.services,
    pytest.mark.topology,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THIRTY_MB = 30 * 1024 * 1024
STAFF_PASSWORD = "a long staff passphrase 2026"
HEALTH_INTERVAL = 1  # seconds between the proxy's /healthz checks of each node


class Caddy:
    """`caddy run` with deploy/Caddyfile, its upstreams and ports from the environment."""

    def __init__(self, *, upstreams, work, extra, https_port):
        self.https_port, self.http_port, self.admin_port = https_port, free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.upstreams = upstreams
        self.work = Path(work)
        self.extra = extra
        self.log_path = self.work / "caddy.log"
        self.process = None

    @property
    def root_certificate(self):
        return self.work / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def env(self):
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work),
            "XDG_DATA_HOME": str(self.work / "data"),
            "XDG_CONFIG_HOME": str(self.work / "config"),
            "SITE_HOST": "127.0.0.1",
            "ACME_EMAIL": "ops@example.org",
            "UPSTREAMS": " ".join(self.upstreams),
            "HEALTH_INTERVAL": f"{HEALTH_INTERVAL}s",
            "CADDY_ADMIN": f"127.0.0.1:{self.admin_port}",
            "CADDY_HTTP_PORT": str(self.http_port),
            "CADDY_HTTPS_PORT": str(self.https_port),
            "CADDY_SITE_EXTRA": str(self.extra),
        }

    def start(self):
        binary = shutil.which("caddy")
        if binary is None:
            _unavailable("caddy is not installed (apt-get install caddy)")
        self.process = spawn(
            [binary, "run", "--config", str(REPO_ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
            env=self.env(),
            log_path=self.log_path,
        )

        def serves():
            if self.process.poll() is not None:
                pytest.fail(f"caddy exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            if not self.root_certificate.exists():
                return False
            try:
                return request(self, "GET", "/healthz")[0].status == 200
            except OSError:
                return False

        wait_for(serves, timeout=60, interval=0.3, message=f"caddy (log: {self.log_path})")
        return self

    def stop(self):
        stop_process_group(self.process)
        self.process = None

    def health_failures(self, port, since):
        """Times (epoch seconds) at which the proxy's health check found the node on ``port`` failing."""
        times = []
        for line in self.log_path.read_text().splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            checker = "health_checker" in entry.get("logger", "")
            if checker and entry.get("host") == f"127.0.0.1:{port}" and entry["ts"] >= since:
                times.append(entry["ts"])
        return times


def request(proxy, method, path, *, body=None, headers=None, node=None, source="127.0.0.1", timeout=60):
    """One HTTPS request through the proxy, the certificate checked against Caddy's own authority."""
    context = ssl.create_default_context(cafile=str(proxy.root_certificate))
    conn = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=context, timeout=timeout, source_address=(source, 0)
    )
    headers = dict(headers or {})
    if node:
        headers["X-Upstream"] = node
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


class Visitor:
    """A browser, as far as the portal can tell: cookies, the CSRF token and the Origin header."""

    def __init__(self, proxy, *, source="127.0.0.1"):
        self.proxy = proxy
        self.source = source
        self.cookies = {}

    def get(self, path, *, node=None):
        return self._send("GET", path, node=node)

    def post(self, path, data, *, node=None, token_from=None):
        """POST ``data`` with the CSRF token of the form at ``token_from`` (default: ``path``) fetched first;
        if the form itself cannot be had, that answer."""
        response, page = self.get(token_from or path, node=node)
        if response.status != 200:
            return response, page
        token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1))
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.proxy.url}
        return self._send("POST", path, body=body, headers=headers, node=node)

    def _send(self, method, path, *, body=None, headers=None, node=None):
        headers = {**(headers or {}), "Referer": self.proxy.url + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response, content = request(self.proxy, method, path, body=body, headers=headers, node=node, source=self.source)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response, content


class Stack:
    """Everything of the topology, started once for the module."""

    def __init__(self, work):
        self.work = Path(work)
        self.redis = None
        self.store = None
        self.bucket = None
        self.smtp = None
        self.nodes = {}
        self.workers = []
        self.beat = None
        self.proxy = None
        self.restarts = Counter()  # queue -> times its worker exited and was started again
        self._stopping = threading.Event()
        self._supervisor = None

    def database_url(self):
        database = connection.settings_dict
        return (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )

    def portal_env(self):
        """What web nodes, workers and beat share: the database, Redis, the bucket, the public address."""
        return {
            "DATABASE_URL": self.database_url(),
            "CELERY_BROKER_URL": self.redis.url,
            "CACHE_URL": self.redis.url.rsplit("/", 1)[0] + "/1",
            "SITE_URL": self.proxy_url,
            "OUTBOX_STUCK_AFTER_SECONDS": "3",
            "OUTBOX_SWEEP_SECONDS": "2",
            # Private links are derived with this key: the test writes the same links as the nodes.
            "PRIVATE_LINK_KEY": keys()[0],
            **self.bucket.environment(),
        }

    def start(self):
        self.redis = RedisServer().start()
        self.store = ObjectStore().start()
        self.bucket = self.store.bucket()
        self.smtp = SMTPSink().start()
        https_port = free_port()
        self.proxy_url = f"https://127.0.0.1:{https_port}"
        node_env = {
            **self.portal_env(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "TRUSTED_PROXY_COUNT": "1",
            "SECURE_COOKIES": "1",
            "STAFF_MFA_REQUIRED": "0",
            # Low enough to show which address the limits count (see the proxy test).
            "REGISTRATION_RATE_LIMIT": "5/600",
            "LOG_LEVEL": "WARNING",
        }
        for name in ("a", "b"):
            self.nodes[name] = Gunicorn(log_dir=self.work, env=node_env, workers=2, access_log=True)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda node: node.start(), self.nodes.values()))
        worker_env = {**self.portal_env(), "LOG_LEVEL": "WARNING"}
        broker = Broker(url=self.redis.url)
        for queue in ("default", "bulk", "documents"):
            worker = Worker(
                broker=broker, smtp_port=self.smtp.port, log_dir=self.work, queues=queue, concurrency=1, env=worker_env
            )
            worker.runs = len(self.workers)  # a log file of its own
            self.workers.append(worker)
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda worker: worker.start(), self.workers))
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()
        self.beat = spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "copolad_wg",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.work / "beat-schedule"),
            ],  # fmt: skip
            env=self.workers[0].env(),
            log_path=self.work / "beat.log",
        )
        extra = self.work / "pin-node.caddy"
        extra.write_text(
            "bind 127.0.0.1\n"
            + "".join(
                f"@node_{name} header X-Upstream {name}\nreverse_proxy @node_{name} 127.0.0.1:{node.port}\n"
                for name, node in self.nodes.items()
            )
        )
        upstreams = [f"127.0.0.1:{node.port}" for node in self.nodes.values()]
        self.proxy = Caddy(upstreams=upstreams, work=self.work, extra=extra, https_port=https_port).start()
        return self

    def _supervise(self):
        """Start again a worker that exited, as compose's `restart: unless-stopped` (or systemd's
        Restart=always) does: kombu's Redis transport can exit a worker whose broker connection
        dropped while it held unacknowledged tasks ("Unrecoverable error: AttributeError")."""
        while not self._stopping.wait(0.5):
            for worker in self.workers:
                if worker.process is not None and worker.process.poll() is not None and not self._stopping.is_set():
                    self.restarts[worker.queues] += 1
                    worker.runs += 10  # the next log file, apart from the others'
                    with contextlib.suppress(BaseException):
                        worker.start()

    def stop(self):
        self._stopping.set()
        if self._supervisor:
            self._supervisor.join(timeout=70)
        if self.proxy:
            self.proxy.stop()
        stop_process_group(self.beat)
        for worker in self.workers:
            worker.stop()
        for node in self.nodes.values():
            node.stop()
        if self.smtp:
            self.smtp.stop()
        if self.store:
            self.store.stop()
        if self.redis:
            self.redis.stop()

    def seen_by(self, name):
        """The request lines node ``name`` served (its gunicorn access log)."""
        return self.nodes[name].log_path.read_text()

    def served(self, name, line):
        """True once node ``name`` has logged ``line`` (gunicorn logs a request after answering it,
        with private links' keys redacted)."""
        line = redact(line)
        wait_for(lambda: line in self.seen_by(name), timeout=10, interval=0.1, message=f"{line!r} on node {name}")
        return True

    def mail_to(self, address):
        return self.smtp.handler.messages_to(address)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    work = tempfile.mkdtemp(prefix="copolad-topology-")
    with django_db_blocker.unblock():
        running = Stack(work)
        try:
            running.start()
        except BaseException:
            running.stop()
            raise
    yield running
    running.stop()
    if not os.environ.get("TOPOLOGY_KEEP_LOGS"):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"\nThe topology's logs: {work}")


@pytest.fixture(autouse=True)
def _fresh_shared_cache(stack):
    """Each test starts with the nodes' cache empty: the database was flushed after the test before,
    which no model signal reported, so values the nodes keep per generation (the privacy notice, the
    page cache) must be read again. Rate-limit counters start again too."""
    client = redis.Redis.from_url(stack.portal_env()["CACHE_URL"])
    client.flushdb()
    client.close()


def url(name, language="es", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def body_text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def staff_member(settings):
    # The nodes check passwords with the production hasher; the test settings' MD5 is not among theirs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = UserFactory(username="staff", email="staff@copolad.example", is_staff=True, is_superuser=True)
    user.password = make_password(STAFF_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


# ── The journey ─────────────────────────────────────────────────────────────────────────────


def test_register_on_one_node_confirm_on_the_other_publish_and_download_through_the_proxy(stack, settings):
    session = SessionFactory(title="Inclusive mechanisms", slug="inclusive-mechanisms", capacity=20)
    staff = staff_member(settings)
    participant = Visitor(stack.proxy, source="127.0.0.2")

    # Registered through node A.
    response, _page = participant.post(
        url("registrations:register", slug=session.slug), form_data(email="ana@example.org"), node="a"
    )
    assert (response.status, response.getheader("Location")) == (
        302,
        url("registrations:register_done", slug=session.slug),
    )
    assert stack.served("a", f"POST {url('registrations:register', slug=session.slug)} HTTP/1.1 302")
    registration = Registration.objects.get(email="ana@example.org")

    # The confirmation e-mail (sent by the default-queue worker) links through the proxy.
    wait_for(lambda: stack.mail_to("ana@example.org"), timeout=60, message="the confirmation e-mail")
    text = body_text(stack.mail_to("ana@example.org")[0])
    confirm_path = url("registrations:confirm", token=registration.token)
    assert f"{stack.proxy.url}{confirm_path}" in text

    # Confirmed through node B.
    response, _page = participant.post(confirm_path, {}, node="b")
    assert response.status == 302
    assert stack.served("b", f"POST {confirm_path} HTTP/1.1 302")
    assert redact(f"POST {confirm_path} ") not in stack.seen_by("a")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED

    # The session is held; Ana attended; staff wrote the conclusions and publish them through node B.
    Session.objects.filter(pk=session.pk).update(status=Session.Status.HELD)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.ATTENDED)
    write_conclusions(session=session, bodies={"es": "<p>Conclusiones acordadas por el grupo.</p>"}, is_public=False)
    admin = Visitor(stack.proxy)
    response, _page = admin.post(
        url("account_login", language="en"), {"login": staff.email, "password": STAFF_PASSWORD}, node="b"
    )
    assert response.status == 302
    publish_path = reverse("admin:sessions_app_session_publish", args=[session.pk])
    response, _page = admin.post(publish_path, {"mode": "announce"}, node="b")
    publication = Publication.objects.get(session=session)
    assert (response.status, response.getheader("Location")) == (
        302,
        reverse("admin:sessions_app_session_publication", args=[publication.pk]),
    )

    # The documents worker renders to the bucket: 9 session documents and 3 certificates.
    wait_for(
        lambda: Publication.objects.filter(pk=publication.pk, status=Publication.Status.DONE).exists(),
        timeout=180,
        interval=1,
        message="the publication's documents",
    )
    objects = stack.bucket.objects()
    stored = {document.file.name: document for document in Document.objects.filter(session=session)}
    assert sorted(objects) == sorted(stored)
    assert len(objects) == 12
    assert Counter(document.kind for document in stored.values()) == Counter(
        {"agenda": 3, "conclusions": 3, "roadmap": 3, "certificate": 3}
    )

    # The announcement reaches Ana; she downloads the conclusions and her certificate through node A.
    def announcement():
        subjects = {message["Subject"]: message for message in stack.mail_to("ana@example.org")}
        return subjects.get("Conclusiones disponibles: Inclusive mechanisms")

    announcement = body_text(wait_for(announcement, timeout=60, message="the announcement"))
    download_path = re.search(re.escape(stack.proxy.url) + r"(/es/registrations/[^\s]+/documents/\d+/)", announcement)
    response, pdf = participant.get(download_path.group(1), node="a")
    conclusions = Document.objects.get(session=session, kind="conclusions", language="es")
    assert (response.status, pdf) == (200, objects[conclusions.file.name])
    assert pdf.startswith(b"%PDF-")
    certificate = Document.objects.get(registration=registration, language="es")
    certificate_path = url("outcomes:my_document_download", token=registration.token, pk=certificate.pk)
    response, pdf = participant.get(certificate_path, node="a")
    assert (response.status, pdf) == (200, objects[certificate.file.name])
    assert stack.served("a", f"GET {certificate_path} HTTP/1.1 200")
    # Nobody else gets it, through either node.
    for node in ("a", "b"):
        assert (
            Visitor(stack.proxy).get(url("outcomes:document_download", pk=certificate.pk), node=node)[0].status == 404
        )


# ── What the proxy shows ────────────────────────────────────────────────────────────────────


def send_headers_and_some_body(proxy, path, *, length, first=256 * 1024):
    """A ``length``-byte POST over TLS of which only the first bytes are sent, as a client does that
    reads the answer while it uploads; returns what came back (empty if the proxy just closed)."""
    context = ssl.create_default_context(cafile=str(proxy.root_certificate))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{proxy.https_port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
    answer = b""
    with (
        socket.create_connection(("127.0.0.1", proxy.https_port), timeout=20) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
        contextlib.suppress(OSError),
    ):
        sock.sendall(head.encode() + b"a" * first)
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.decode(errors="replace")


def test_the_proxy_keeps_big_bodies_from_gunicorn_passes_client_addresses_and_sends_hsts(stack):
    session = SessionFactory(slug="proxy-checks", capacity=50)

    # 30 MB announced: the proxy answers it; neither node ever sees the request.
    answer = send_headers_and_some_body(stack.proxy, "/es/accounts/login/?probe=thirty-mb", length=THIRTY_MB)
    for name in stack.nodes:  # requests after it, so both logs are written past it
        response, _body = request(stack.proxy, "GET", f"/healthz?after=thirty-mb-{name}", node=name)
        assert stack.served(name, f"GET /healthz?after=thirty-mb-{name} HTTP/1.1 {response.status}")
    time.sleep(1)
    assert [name for name in stack.nodes if "probe=thirty-mb" in stack.seen_by(name)] == []
    proxy_log = [json.loads(line) for line in stack.proxy.log_path.read_text().splitlines() if "thirty-mb" in line]
    assert [(entry["request"]["uri"], entry["status"]) for entry in proxy_log if "status" in entry][:1] == [
        ("/es/accounts/login/?probe=thirty-mb", 413)
    ]
    print(f"\n30 MB POST: the client read {answer[:12]!r}; the proxy logged 413; gunicorn saw nothing")

    # The limits count the address the proxy saw (X-Forwarded-For), not one a client sends, and not
    # the proxy's own (every request reaches gunicorn from 127.0.0.1). REGISTRATION_RATE_LIMIT=5/600.
    register = url("registrations:register", slug=session.slug)
    statuses = []
    for number in range(6):
        visitor = Visitor(stack.proxy, source="127.0.0.3")
        response, _page = visitor._send("GET", register)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _page.decode()).group(1)
        body = urllib.parse.urlencode({**form_data(email=f"xff{number}@example.org"), "csrfmiddlewaretoken": token})
        response, _page = visitor._send(
            "POST",
            register,
            body=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": stack.proxy.url,
                "X-Forwarded-For": f"198.51.100.{number}",  # a different address claimed each time
            },
        )
        statuses.append(response.status)
    other = Visitor(stack.proxy, source="127.0.0.4").post(register, form_data(email="neighbour@example.org"))[0]
    assert (statuses, other.status) == ([302, 302, 302, 302, 302, 429], 302)

    # HSTS on the portal's pages over HTTPS, and /healthz through the proxy.
    response, _page = request(stack.proxy, "GET", url("registrations:register", slug=session.slug))
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    response, health = request(stack.proxy, "GET", "/healthz")
    checks = json.loads(health)["checks"]
    assert (response.status, checks["database"], checks["cache"], checks["broker"]) == (200, "ok", "ok", "ok")


# ── Faults during a stream of registrations ─────────────────────────────────────────────────


def register_stream(stack, session, emails, *, on_answer=None, threads=4):
    """Register each address through the proxy (round robin over the nodes), each from a loopback
    address of its own; returns [(email, status, location, started, answered)] in answer order. A 5xx
    status is a string with the Server header and the page's first bytes."""
    register = url("registrations:register", slug=session.slug)
    answers = []
    lock = threading.Lock()

    def one(item):
        number, email = item
        started = time.time()
        visitor = Visitor(stack.proxy, source=f"127.1.{number // 250}.{number % 250 + 1}")
        try:
            response, page = visitor.post(register, form_data(email=email))
            status, location = response.status, response.getheader("Location")
            if status >= 500:
                # For the failure message: the Server header and the page's first bytes tell Caddy's own
                # answer (no upstream left: an empty body) from the portal's busy or error page.
                status = f"{status} (Server: {response.getheader('Server')}): {page[:300]!r}"
        except OSError as error:
            status, location = repr(error), None
        with lock:
            answers.append((email, status, location, started, time.time()))
            count = len(answers)
        if on_answer:
            on_answer(count)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, enumerate(emails)))
    return answers


def mailed_once(stack, addresses, *, timeout):
    """Wait until every address has a message, then a moment for duplicates; {address: count}."""
    wait_for(
        lambda: set(addresses) <= set(stack.smtp.handler.recipients()),
        timeout=timeout,
        interval=0.5,
        message="a confirmation e-mail for every saved registration",
    )
    time.sleep(3)  # a second message, if any, would arrive now
    counts = Counter(stack.smtp.handler.recipients())
    return {address: counts[address] for address in addresses}


def report(fault, sent, saved, mailed):
    print(f"\n{fault}: registrations answered as saved (302) {sent}, in the database {saved}, e-mailed once {mailed}")


def test_a_web_node_stopped_during_a_stream_of_registrations_loses_nothing_and_then_answers_no_5xx(stack):
    session = SessionFactory(slug="node-stopped", capacity=500)
    emails = [f"node{number}@example.org" for number in range(60)]
    done = url("registrations:register_done", slug=session.slug)
    stopped = {}

    def stop_node_a(count):
        if count == 12 and not stopped:
            stopped["at"] = time.time()
            threading.Thread(target=stack.nodes["a"].stop).start()

    try:
        answers = register_stream(stack, session, emails, on_answer=stop_node_a)
        marked_down = stack.proxy.health_failures(stack.nodes["a"].port, since=stopped["at"])
        assert marked_down, "the proxy's health check never found node A down"
        down_at = marked_down[0]

        ok = [email for email, status, location, _started, _answered in answers if (status, location) == (302, done)]
        saved = set(Registration.objects.filter(session=session).values_list("email", flat=True))
        after_down = [status for _email, status, _location, started, _answered in answers if started > down_at]
        assert set(ok) - saved == set()
        assert after_down, "no registration was sent after the health check marked node A down"
        assert [status for status in after_down if not isinstance(status, int) or status >= 500] == []
        mailed = mailed_once(stack, ok, timeout=90)
        assert set(mailed.values()) == {1}
        report("web node A stopped", len(ok), len(saved & set(ok)), sum(mailed.values()))
        print(
            f"  answers: {dict(Counter(str(status) for _e, status, *_rest in answers))}; node A stopped after 12, "
            f"marked down {down_at - stopped['at']:.1f} s later; {len(after_down)} sent after that, none 5xx"
        )
        assert len(ok) == len(saved & set(ok)) == sum(mailed.values())
    finally:
        if stack.nodes["a"].process is None:
            stack.nodes["a"].start()


def test_redis_restarted_during_a_stream_of_registrations_saves_and_mails_each_once(stack):
    session = SessionFactory(slug="redis-restarted", capacity=500)
    emails = [f"redis{number}@example.org" for number in range(40)]
    done = url("registrations:register_done", slug=session.slug)
    events = {}

    def restart_redis(count):
        if count == 10 and "stopped" not in events:
            events["stopped"] = time.time()
            stack.redis.stop()
        elif count == 25 and "started" not in events:
            stack.redis.start()
            events["started"] = time.time()

    try:
        answers = register_stream(stack, session, emails, on_answer=restart_redis)
    finally:
        if stack.redis.process is None:
            stack.redis.start()
    ok = [email for email, status, location, _started, _answered in answers if (status, location) == (302, done)]
    saved = set(Registration.objects.filter(session=session).values_list("email", flat=True))
    during = [
        email for email, _s, _l, started, _a in answers if events["stopped"] <= started <= events.get("started", 0)
    ]

    assert set(ok) - saved == set()
    assert during, "no registration was sent while Redis was down"
    mailed = mailed_once(stack, ok, timeout=120)
    report("Redis restarted", len(ok), len(saved & set(ok)), sum(mailed.values()))
    print(f"  workers started again after exiting: {dict(stack.restarts) or 'none'}")
    print(
        f"  answers: {dict(Counter(str(status) for _e, status, *_rest in answers))}; "
        f"{len(during)} sent while it was down"
    )
    assert set(mailed.values()) == {1}
    assert len(ok) == len(saved & set(ok)) == sum(mailed.values()) == len(emails)


# ── Backup and restore ──────────────────────────────────────────────────────────────────────


def make(stack, *arguments):
    """`make backup` / `make restore` as an operator runs them: the portal's environment, no Docker."""
    environment = {
        **os.environ,
        **stack.portal_env(),
        "DJANGO_SETTINGS_MODULE": "copolad_wg.settings",
        "DEBUG": "0",
        "SECRET_KEY": "services-tests-secret-key",
    }
    result = subprocess.run(
        ["make", *arguments, f"PY={sys.executable}"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_backup_then_database_and_bucket_wiped_then_restore_serves_the_same_documents(stack, settings, tmp_path):
    from sessions_app.outcomes import documents
    from tests.sessions_app.after_session_data import build_held_session

    settings.STORAGES = stack.bucket.storages(settings.STORAGES)
    session, attendee, _registrant = build_held_session()
    agenda = documents.render_document(session=session, kind=Document.Kind.AGENDA, language="es")
    certificate = documents.render_certificate(registration=attendee, language="pt")
    public_path = url("outcomes:document_download", pk=agenda.pk)
    private_path = url("outcomes:my_document_download", language="pt", token=attendee.token, pk=certificate.pk)
    list_path = url("outcomes:my_documents", language="pt", token=attendee.token)

    def served():
        return {path: request(stack.proxy, "GET", path) for path in (public_path, private_path, list_path)}

    before = served()
    assert [response.status for response, _body in before.values()] == [200, 200, 200]
    objects_before = stack.bucket.objects()

    backup = tmp_path / "backup"
    printed = make(stack, "backup", f"BACKUP_DIR={backup}")
    assert f"copied {len(objects_before)} files" in printed
    assert (backup / "database.dump").stat().st_size > 0

    # Everything gone: every table, every object.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    stack.bucket.empty()
    assert stack.bucket.objects() == {}

    printed = make(stack, "restore", f"BACKUP={backup}")
    assert f"copied {len(objects_before)} files" in printed

    after = served()
    assert stack.bucket.objects() == objects_before
    assert {path: (response.status, hashlib.sha256(body).hexdigest()) for path, (response, body) in after.items()} == {
        path: (response.status, hashlib.sha256(body).hexdigest()) for path, (response, body) in before.items()
    }
    assert after[private_path][1] == objects_before[certificate.file.name]
    # The private link's page still lists the certificate.
    assert private_path in after[list_path][1].decode()
