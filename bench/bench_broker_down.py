"""How long a registration POST takes while the Celery broker is down or silent: our broker
settings versus Celery's defaults.

Not a test: it prints a table. The POST goes through the real register view (Django test client)
into a temporary SQLite database; the confirmation request is a Delivery row first and, after
commit, the request wakes the worker's sender through Celery when none is on its way
(registrations/outbox/queueing.py), so the broker is on the request path.

Brokers, all on 127.0.0.1 and on ports of this bench's own (the machine's Redis on 6379 is never
touched):
- up: a redis-server started for the bench (the reference);
- stopped: the same redis-server after it was stopped, so every connection is refused;
- silent: a small socket server that accepts the connection and never answers.

Configurations:
- ours: CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_CONNECTION_TIMEOUT and CELERY_TASK_PUBLISH_RETRY
  from copolad_wg/settings.py, and the outbox's breaker (after a failed hand-over the broker is left
  alone for a while);
- baseline: Celery's defaults (no transport options, so no socket timeouts; connection timeout 4 s;
  publish retried 3 times), and no breaker: every request tries the broker.

Each request runs in a thread and is given at most CAP seconds; one that is still running then is
reported as ">CAP" and ends that configuration (every later request would wait as long).
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback

import bootstrap

run = bootstrap.start(database="sqlite")

import logging  # noqa: E402

from django.conf import settings  # noqa: E402

# enqueue_delivery logs every failed publish with its traceback; the table is the output here.
logging.disable(logging.CRITICAL)

# Requests per (broker, settings): few where the baseline costs seconds each, to stay near a minute.
REQUESTS = {
    "up": int(os.environ.get("BENCH_REQUESTS_UP", "20")),
    "stopped": int(os.environ.get("BENCH_REQUESTS_STOPPED", "5")),
    "silent": int(os.environ.get("BENCH_REQUESTS_SILENT", "3")),
}
CAP = float(os.environ.get("BENCH_CAP_SECONDS", "8"))

OURS = {
    "broker_transport_options": dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS),
    "broker_connection_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    "task_publish_retry": settings.CELERY_TASK_PUBLISH_RETRY,
}
BASELINE = {
    "broker_transport_options": {},
    "broker_connection_timeout": 4,
    "task_publish_retry": True,
    "task_publish_retry_policy": {"max_retries": 3, "interval_start": 0, "interval_max": 1, "interval_step": 0.2},
}


class RedisServer:
    """A redis-server of the bench's own on a free port."""

    def __init__(self):
        self.port = bootstrap.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the bench's redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.held = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                conn, _address = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def stop(self):
        self.running = False
        self.listener.close()
        for conn in self.held:
            conn.close()


def point_celery(url, config):
    from kombu import pools

    from copolad_wg.celery import app

    app.conf.update({"broker_url": url, "task_always_eager": False, **config})
    # Forget pooled connections, so the next publish connects with these settings.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    pools.reset()


class Registrar:
    """Posts the register form for ``session`` with a new address (and client IP) each time."""

    def __init__(self, session):
        from django.test import Client
        from django.urls import reverse
        from django.utils import translation

        with translation.override("es"):
            self.url = reverse("registrations:register", kwargs={"slug": session.slug})
            self.done = reverse("registrations:register_done", kwargs={"slug": session.slug})
        self.client = Client()
        self.count = 0

    def post_once(self):
        from django.db import connections

        from tests.registrations.helpers import form_data

        self.count += 1
        number = self.count
        data = form_data(f"bench{number}@example.org")
        try:
            address = f"10.{number // 65536}.{number // 256 % 256}.{number % 256}"  # one rate-limit bucket each
            response = self.client.post(self.url, data, REMOTE_ADDR=address)
            if response.status_code != 302 or response["Location"] != self.done:
                raise RuntimeError(f"unexpected answer {response.status_code} to registration {number}")
        finally:
            connections.close_all()

    def _run(self, errors):
        try:
            self.post_once()
        except Exception as exc:  # noqa: BLE001 - raised again in timed(), after the thread ends
            errors.append(exc)

    def timed(self, count, *, breaker):
        """Seconds per request; None for one still running after CAP (and then no more requests).

        Without ``breaker`` each request starts with the outbox's broker breaker closed, as Celery's
        defaults have none: the baseline pays every publish, ours skips the broker for a while
        after a failed hand-over (``queueing.BROKER_BREAKER``). Every request finds no sender on its
        way (as when the worker has just taken the last one; no worker runs here), so each wakes
        one: the hand-over to the broker is on every request's path.
        """
        from registrations.outbox.queueing import BROKER_BREAKER, release_sender

        BROKER_BREAKER.reset()
        samples = []
        for _ in range(count):
            release_sender()
            if not breaker:
                BROKER_BREAKER.reset()
            errors = []
            started = time.perf_counter()
            thread = threading.Thread(target=self._run, args=(errors,), daemon=True)
            thread.start()
            thread.join(CAP)
            if thread.is_alive():
                samples.append(None)
                return samples
            if errors:
                raise errors[0]
            samples.append(time.perf_counter() - started)
        return samples


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def describe(samples):
    done = [value for value in samples if value is not None]
    if len(done) < len(samples):
        capped = f">{CAP:g}"
        median = statistics.median(done) if len(done) * 2 > len(samples) else None
        return (f"{median:.3f}" if median is not None else capped), capped, capped
    return f"{statistics.median(done):.3f}", f"{p95(done):.3f}", f"{max(done):.3f}"


def main():
    from registrations.models import Delivery, Registration
    from tests.factories import SessionFactory

    session = SessionFactory(title="Inclusive mechanisms", capacity=None)
    registrar = Registrar(session)
    redis_server = RedisServer().start()
    silent = SilentServer()
    rows = []
    try:
        point_celery(redis_server.url, OURS)
        registrar.timed(2, breaker=True)  # warm up: templates, translations, first broker connection
        for broker in ("up", "stopped", "silent"):
            if broker == "stopped":
                redis_server.stop()
            url = silent.url if broker == "silent" else redis_server.url
            for name, config in (("ours", OURS), ("baseline", BASELINE)):
                point_celery(url, config)
                rows.append((broker, name, registrar.timed(REQUESTS[broker], breaker=name == "ours")))
    finally:
        silent.stop()
        redis_server.stop()
        point_celery("", {"task_always_eager": True})

    print(f"registration POST, seconds per request (cap {CAP:g} s per request)")
    print(f"{'broker':<9} {'settings':<9} {'n':>3} {'median':>8} {'p95':>8} {'max':>8}")
    for broker, name, samples in rows:
        median, high, worst = describe(samples)
        print(f"{broker:<9} {name:<9} {len(samples):>3} {median:>8} {high:>8} {worst:>8}")
    answered = sum(1 for _broker, _name, samples in rows for value in samples if value is not None) + 2
    print(
        f"POSTs answered with the redirect: {answered}; registrations saved: {Registration.objects.count()}; "
        f"confirmation rows (queued, no worker runs here): {Delivery.objects.count()}"
    )


if __name__ == "__main__":
    status = 1
    try:
        main()
        status = 0
    except BaseException:  # noqa: BLE001 - printed here, since os._exit below skips the usual report
        traceback.print_exc()
    finally:
        run.finish()
        # A capped baseline request may still be waiting on its socket in a daemon thread: do not
        # wait for it (os._exit skips the interpreter's shutdown, so flush first).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
