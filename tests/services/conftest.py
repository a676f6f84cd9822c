"""Fixtures for tests on the real components on 127.0.0.1: PostgreSQL, Redis, a Celery worker
process and an SMTP server (aiosmtpd).

These tests run in the PostgreSQL pass of `make test`. Without DATABASE_URL pointing at
PostgreSQL they are skipped, unless CI is set: then a missing service fails the run loudly.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.test import override_settings

from tests.support.caches import fail_safe_redis
from tests.support.smtp import SMTPSink, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own; each test also puts its keys under a prefix of its own and deletes
# only those, so parallel runs (colleagues, CI jobs) sharing this Redis never take each other's tasks.
REDIS_URL = os.environ.get("SERVICES_REDIS_URL", "redis://127.0.0.1:6379/5")


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the services tests must run)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        _unavailable("the services tests need DATABASE_URL=postgres://… (the worker shares the test database)")


def stop_process_group(process):
    """SIGTERM a child started in its own session (and its children), SIGKILL if it lingers."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def spawn(command, *, env, log_path):
    """Start ``command`` from the repository root in a process group of its own (so
    ``stop_process_group`` ends it with its children), its output written to ``log_path``."""
    with open(log_path, "w") as log:  # the child keeps its own handle open
        return subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for(predicate, *, timeout, interval=0.2, message="condition"):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {message}")


@dataclass(frozen=True)
class Broker:
    """A Redis URL and the key prefix that keeps this test's queues apart from any other user's."""

    url: str
    prefix: str = ""

    def client(self):
        return redis.Redis.from_url(self.url, socket_timeout=3, socket_connect_timeout=3)

    def key(self, name):
        return f"{self.prefix}{name}"

    def cache_settings(self):
        """The cache on this Redis under this test's prefix: the workers' (CACHE_URL, CACHE_KEY_PREFIX)."""
        return fail_safe_redis(self.url, key_prefix=self.prefix)

    def clear(self):
        """Delete this test's keys only: other runs (colleagues, CI jobs) may share the database."""
        client = self.client()
        try:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500)) if self.prefix else []
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def point_celery_at(broker):
    """Make this test process publish tasks to ``broker`` instead of running them eagerly, and share
    its cache with the workers (``Worker.env``), as web and worker processes do in production: the
    outbox's sender is woken through a key there."""
    from django.conf import settings

    from copolad_wg.celery import app

    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if broker.prefix:
        options["global_keyprefix"] = broker.prefix
    app.conf.update(broker_url=broker.url, broker_transport_options=options, task_always_eager=False)
    reset_pools(app)
    _share_cache(broker)


def restore_eager_celery():
    from django.conf import settings

    from copolad_wg.celery import app

    app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        task_always_eager=True,
    )
    reset_pools(app)
    _share_cache(None)


_shared_cache = []  # the override_settings in force, if any


def _share_cache(broker):
    """Use the cache the workers of ``broker`` use (None: the test settings' own again)."""
    while _shared_cache:
        _shared_cache.pop().disable()
    if broker is not None:
        override = override_settings(CACHES={"default": broker.cache_settings()})
        override.enable()
        _shared_cache.append(override)


def reset_pools(app):
    """Forget pooled broker connections, so the next publish connects to the configured URL afresh."""
    from kombu import pools

    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def broker():
    """The real Redis on 6379, database 5, under a key prefix of this test's own; Celery publishes to it."""
    shared = Broker(url=REDIS_URL, prefix=f"copolad-test-{uuid.uuid4().hex[:12]}:")
    try:
        shared.client().ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    point_celery_at(shared)
    yield shared
    restore_eager_celery()
    shared.clear()


@pytest.fixture
def smtp_server():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.broker = Broker(url=self.url)
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: _pings(client), timeout=10, message="the test redis-server")
        client.close()
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client):
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


class Worker:
    """`python -m celery -A copolad_wg worker` in its own process group, on the test database."""

    def __init__(self, *, broker, smtp_port, log_dir, queues="default,bulk", concurrency=2, env=None):
        self.extra_env = env or {}
        self.broker = broker
        self.smtp_port = smtp_port
        self.queues = queues
        self.concurrency = concurrency
        self.log_dir = log_dir
        self.process = None
        self.runs = 0

    def env(self):
        database = connection.settings_dict
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"  # the test database, test_<name>
        )
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "copolad_wg.settings",
            "SECRET_KEY": "services-tests-secret-key",
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_BROKER_KEY_PREFIX": self.broker.prefix,
            "CACHE_URL": self.broker.url,
            "CACHE_KEY_PREFIX": self.broker.prefix,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_TIMEOUT": "5",
            "OUTBOX_RETRY_BASE_SECONDS": "1",
            "OUTBOX_STUCK_AFTER_SECONDS": "3",
            "OUTBOX_BATCH_SIZE": "25",
            "SITE_URL": "https://wg.example",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    @property
    def log_path(self):
        return Path(self.log_dir) / f"worker-{self.runs}.log"

    def start(self):
        self.runs += 1
        self.process = spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "copolad_wg",
                "worker",
                "-Q",
                self.queues,
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"services{self.runs}@%h",
                "--loglevel=INFO",
            ],  # fmt: skip
            env=self.env(),
            log_path=self.log_path,
        )
        wait_for(self._ready, timeout=60, message=f"the Celery worker (log: {self.log_path})")
        return self

    def _ready(self):
        if self.process.poll() is not None:
            pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
        return " ready." in self.log_path.read_text()

    def kill(self):
        """SIGKILL the worker and its pool processes at once, as the OOM killer or a lost host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self):
        """End the worker once its test is over: at once (SIGKILL), since nothing is checked after
        this and a warm shutdown only waits for the pool. PostgreSQL ends the worker's sessions
        when their sockets close, so the flush that follows is never blocked."""
        if self.process is not None:
            self.kill()


@pytest.fixture
def start_worker(transactional_db, smtp_server):
    """Start workers on the test database; every one is stopped before the database is flushed."""
    workers = []
    log_dir = tempfile.mkdtemp(prefix="copolad-worker-")

    def start(*, broker, **options):
        worker = Worker(broker=broker, smtp_port=smtp_server.port, log_dir=log_dir, **options)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
    shutil.rmtree(log_dir, ignore_errors=True)


class SilentServer:
    """A socket server on 127.0.0.1 that accepts connections and never answers: a hung Redis or
    PostgreSQL. ``stop`` closes the listening socket and every accepted connection."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._listener = None
        self._accepted = []
        self._thread = None

    def start(self):
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(128)

        def accept():
            while True:
                try:
                    connection, _address = self._listener.accept()
                except OSError:
                    return
                self._accepted.append(connection)

        self._thread = threading.Thread(target=accept, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._listener is None:
            return
        # shutdown() wakes the accept() blocked in the thread; close() alone may not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._listener = None
        for accepted in self._accepted:
            accepted.close()
        self._accepted.clear()
        self._thread.join(timeout=5)


class Gunicorn:
    """gunicorn serving the portal on a free port of 127.0.0.1, on the test database."""

    def __init__(self, *, log_dir, env=None, workers=2, access_log=False):
        self.access_log = access_log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.extra_env = env or {}
        self.log_path = Path(log_dir) / f"gunicorn-{self.port}.log"
        self.process = None

    def env(self):
        database = connection.settings_dict
        database_url = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "copolad_wg.settings",
            "SECRET_KEY": "services-tests-secret-key",
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "DATABASE_URL": database_url,
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("CELERY_BROKER_URL", "CACHE_URL", "CELERY_BROKER_KEY_PREFIX"):
            environment.pop(name, None)
        return {**environment, **self.extra_env}

    def start(self):
        self.process = spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "copolad_wg.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "30",
                # The request line and status of every request, in the log (what this node saw).
                *(["--access-logfile", "-", "--access-logformat", "%(r)s %(s)s"] if self.access_log else []),
            ],  # fmt: skip
            env=self.env(),
            log_path=self.log_path,
        )

        def answers():
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                return True
            except OSError:
                return False

        wait_for(answers, timeout=60, interval=0.3, message=f"gunicorn (log: {self.log_path})")
        return self

    def stop(self):
        stop_process_group(self.process)
        self.process = None


@pytest.fixture
def start_gunicorn(transactional_db):
    """Start gunicorn on the test database; stopped before the database is flushed."""
    servers = []
    log_dir = tempfile.mkdtemp(prefix="copolad-gunicorn-")

    def start(**options):
        server = Gunicorn(log_dir=log_dir, **options)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
    shutil.rmtree(log_dir, ignore_errors=True)
