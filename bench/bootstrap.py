"""What every benchmark needs before and around Django: one place instead of a copy per script.

``start(database=...)`` points Django at a database of the bench's own (a temporary SQLite file,
or a PostgreSQL database ``copolad_bench_<pid>`` created on BENCH_POSTGRES_URL's server and
dropped by ``finish``), a temporary MEDIA_ROOT, the test settings unless told otherwise, and
calls ``django.setup()``. Import Django modules after it.

The rest serves the benchmarks that measure against the ceiling of the machine: ``Gunicorn``
(the production server, ``-w 2``, with the trivial views of ``bench/site_urls.py`` mounted beside
the portal's), ``Worker`` (a Celery worker process), ``Sink`` (an aiosmtpd server that only counts
and keeps the bytes) and ``hammer`` (a small HTTP load generator on raw sockets). Everything
listens on and talks to 127.0.0.1 only, on free ports; Redis is the machine's, under a key
prefix of the run's own, whose keys are deleted at the end.
"""

import atexit
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
PREFIX = f"copolad-bench-{RUN_ID}:"


BENCH_LINK_KEY = "bench-only-private-link-key"


class Run:
    """Where this run keeps its things; ``finish`` removes them."""

    def __init__(self, *, database):
        self.work = Path(tempfile.mkdtemp(prefix="copolad-bench-"))
        self.database = database
        self.database_name = f"copolad_bench_{RUN_ID}" if database == "postgres" else None
        self.children = []

    @property
    def database_url(self):
        if self.database == "postgres":
            return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{self.database_name}"))
        return f"sqlite:///{self.work}/bench.sqlite3"

    def env(self, **extra):
        """The environment of a server or worker process of this run (production settings)."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "site_settings",
            "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
            "SECRET_KEY": "bench-only-secret-key",
            # Private links are derived with this key (registrations.link_keys): the bench process
            # writes the same links as the servers it sends them to.
            "PRIVATE_LINK_KEY": BENCH_LINK_KEY,
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            "DB_CONN_MAX_AGE": "60",
            "MEDIA_ROOT": str(self.work / "media"),
            "CACHE_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": PREFIX,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_BROKER_KEY_PREFIX": PREFIX,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def finish(self):
        for child in reversed(self.children):
            child.stop()
        from django.db import connections

        connections.close_all()
        if self.database_name:
            _admin_sql(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        _clear_redis()
        shutil.rmtree(self.work, ignore_errors=True)


def start(*, database="sqlite", settings="copolad_wg.settings_test", migrate=True):
    """Set up Django for a bench script on a database of its own; returns the Run."""
    run = Run(database=database)
    if database == "postgres":
        _admin_sql(f'CREATE DATABASE "{run.database_name}"')
    os.environ["DATABASE_URL"] = run.database_url
    os.environ["MEDIA_ROOT"] = str(run.work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("PRIVATE_LINK_KEY", BENCH_LINK_KEY)
    os.environ.setdefault("STATIC_MANIFEST", "0")
    sys.path.insert(0, str(ROOT))
    atexit.register(run.finish)

    import django

    django.setup()
    import logging
    import warnings

    logging.disable(logging.INFO)
    # WhiteNoise warns that STATIC_ROOT was never collected; the benches serve no static files.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return run


def _admin_sql(sql):
    import psycopg2

    conn = psycopg2.connect(SERVER_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _clear_redis():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"*{PREFIX}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    except Exception:  # noqa: BLE001, S110 - Redis down: there is nothing of ours to delete
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


class Process:
    """A child process in its own process group, stopped by the Run that owns it."""

    def __init__(self, run, args, env, name):
        self.log = run.work / f"{name}.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        run.children.append(self)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


class Gunicorn(Process):
    """``gunicorn copolad_wg.wsgi -w 2`` on 127.0.0.1, as the README's production section runs it."""

    def __init__(self, run, *, workers=2, **env):
        self.port = free_port()
        args = [
            PYTHON, "-m", "gunicorn", "copolad_wg.wsgi", "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}", "--backlog", "2048", "--log-level", "warning",
        ]  # fmt: skip
        super().__init__(run, args, run.env(**env), "gunicorn")
        wait_for(self._answers, timeout=60, what=f"gunicorn (log: {self.log})")

    def _answers(self):
        if not self.alive():
            raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
        try:
            return get(self.port, "/bench/trivial/")[0] == 200
        except OSError:
            return False


class Worker(Process):
    """``celery -A copolad_wg worker -Q <queues> -c <concurrency>`` on the run's database and broker."""

    def __init__(self, run, *, queues, concurrency=2, **env):
        args = [
            PYTHON, "-m", "celery", "-A", "copolad_wg", "worker", "-Q", queues, "--pool=prefork",
            f"--concurrency={concurrency}", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"bench-{RUN_ID}-{queues}@%h", "--loglevel=INFO",
        ]  # fmt: skip
        super().__init__(run, args, run.env(**env), f"worker-{queues}")
        wait_for(lambda: " ready." in self.log.read_text(), timeout=60, what=f"the worker (log: {self.log})")


class CountingHandler:
    """Accepts every message; keeps its recipients and raw bytes (no parsing: the sink stays cheap)."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class Sink:
    """An aiosmtpd server on 127.0.0.1 in a thread of this process."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.handler = CountingHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def count(self):
        return len(self.handler.received)

    def reset(self):
        with self.handler.lock:
            self.handler.received = []

    def stop(self):
        self.controller.stop()


# ── CPU by process ──────────────────────────────────────────────────────────────────────────


def cpu_seconds(pid):
    """User and system CPU seconds of process ``pid`` so far (Linux's /proc); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid):
    """The pids of ``pid``'s children, their children, and so on (Linux's /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def database_backends():
    """The pids of the PostgreSQL backends serving this run's database, this process's excepted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


# ── Load generator ──────────────────────────────────────────────────────────────────────────


def request_bytes(method, path, *, body=b"", headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get(port, path, headers=None):
    """(status, headers text, body bytes) of one GET; for set-up, not for timing."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request_bytes("GET", path, headers=headers))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _sep, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.decode("latin-1"), body


def hammer(port, requests, *, concurrency=8, seconds=None):
    """Send ``requests`` (a list of request bytes, taken in turn) to 127.0.0.1:``port`` from
    ``concurrency`` connections at a time, until all are answered, or, with ``seconds``, for
    that long (reusing the list). Returns (answers per second, {status: count}, wall seconds).

    One connection per request, as gunicorn's sync workers close each one. The generator runs in
    this process and shares the machine's cores with the server it measures.
    """
    selector = selectors.DefaultSelector()
    statuses = {}
    sent = answered = 0
    total = None if seconds else len(requests)
    started = time.perf_counter()
    deadline = started + seconds if seconds else None

    def open_one():
        nonlocal sent
        conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        conn.setblocking(False)
        conn.connect_ex(("127.0.0.1", port))
        selector.register(conn, selectors.EVENT_WRITE, [requests[sent % len(requests)], []])
        sent += 1

    def more():
        if deadline is not None:
            return time.perf_counter() < deadline
        return sent < total

    for _ in range(concurrency):
        if more():
            open_one()
    while selector.get_map():
        for key, events in selector.select(timeout=30):
            conn, state = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                conn.sendall(state[0])
                selector.modify(conn, selectors.EVENT_READ, state)
                continue
            chunk = conn.recv(65536)
            if chunk:
                state[1].append(chunk)
                continue
            selector.unregister(conn)
            conn.close()
            head = b"".join(state[1])[:16]
            status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
            statuses[status] = statuses.get(status, 0) + 1
            answered += 1
            if more():
                open_one()
    wall = time.perf_counter() - started
    return answered / wall, statuses, wall


def compare(port, ours, ceiling, *, seconds, concurrency=8, slices=5):
    """Rates of ``ours`` and ``ceiling`` (lists of request bytes) measured in alternating slices of
    ``seconds / slices`` each, so that load from elsewhere on the machine weighs on both alike.
    Returns (ours per second, ceiling per second, ours' statuses)."""
    totals = {"ours": [0, 0.0], "ceiling": [0, 0.0]}
    statuses = {}
    for _ in range(slices):
        for name, requests in (("ceiling", ceiling), ("ours", ours)):
            rate, answered, wall = hammer(port, requests, concurrency=concurrency, seconds=seconds / slices)
            totals[name][0] += sum(answered.values())
            totals[name][1] += wall
            if name == "ours":
                for status, count in answered.items():
                    statuses[status] = statuses.get(status, 0) + count
    return totals["ours"][0] / totals["ours"][1], totals["ceiling"][0] / totals["ceiling"][1], statuses


def ratio_line(label, ours, ceiling, unit, note=""):
    return f"{label:<44} {ours:>9.1f} {ceiling:>9.1f}  {ours / ceiling:>6.3f}  {unit}{note}"


RATIO_HEADER = f"{'work':<44} {'ours':>9} {'ceiling':>9}  {'ratio':>6}"
