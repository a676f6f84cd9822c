"""Profiles of what bench_pages and bench_registration find slowest, in-process, with the settings
gunicorn and the worker run under in those benches.

Not a test, and not a benchmark: a profiler adds its own cost, so read shares, not milliseconds.
PostgreSQL database of its own with the demo (``load_demo``), Redis as cache and broker under the
run's prefix (no worker takes the tasks: a request's work ends at the hand-over), and an SMTP sink
in this process for ``sender``.

    .venv/bin/python bench/profile_views.py [WHAT ...] [--requests N] [--cprofile | --cpu] [--sql]

WHAT is any of (all when none is given):
- ``session-page``: session 3 for a visitor with a session cookie (the page cache never answers);
- ``register-page``: the register form and its CSRF token, for a first visit;
- ``register-post``, ``confirm-post``: the form POST and the e-mailed link's POST through the test
  client, in a session of N // 3 seats (three people a seat, as in bench_registration);
- ``sender``: the worker's side of those: the transactional sender (``send_queued``) writing and
  sending the e-mails of N registrations and N confirmations to the sink.

Each is warmed up first (templates loaded, memos filled, connections open), then profiled over N
requests (40): with pyinstrument (wall clock), or with ``--cprofile`` (wall clock) or ``--cpu``
(the CPU time of the thread that serves them only, so waits on PostgreSQL, Redis and a busy machine drop out) by
cProfile: top entries by cumulative and by own time; ``--dump PREFIX`` also writes
PREFIX.<what>.pstats. The line before each profile counts the first request's statements;
``--sql`` prints them.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import time

import bootstrap

sink = bootstrap.Sink()
os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DB_CONN_MAX_AGE": "60",
        "CACHE_URL": bootstrap.REDIS_URL,
        "CACHE_KEY_PREFIX": bootstrap.PREFIX,
        "CELERY_BROKER_URL": bootstrap.REDIS_URL,
        "CELERY_BROKER_KEY_PREFIX": bootstrap.PREFIX,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "LOG_LEVEL": "WARNING",
    }
)
run = bootstrap.start(database="postgres", settings="site_settings")
run.children.append(sink)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from registrations.models import Delivery, Registration  # noqa: E402
from registrations.notifications import render_delivery  # noqa: E402
from registrations.outbox.sending import send_queued  # noqa: E402
from sessions_app.models import Session  # noqa: E402
from tests.factories import SessionFactory  # noqa: E402
from tests.registrations.helpers import form_data  # noqa: E402

WHATS = ("session-page", "register-page", "register-post", "confirm-post", "sender")
WARM_UP = 10


class Visitor:
    """A browser with a CSRF cookie and the form's token, as after loading the register page."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)
        self.open = Session.objects.get(status=Session.Status.REGISTRATION_OPEN)
        body = self.client.get(f"/es/registrations/sessions/{self.open.slug}/register/").content
        self.token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()

    def get(self, path, *, fresh=False, **headers):
        """A call that GETs ``path``; ``fresh``: as a first visit, with no cookie of any kind."""
        client = Client() if fresh else self.client

        def call():
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            client.cookies.clear() if fresh else None

        return call

    def post(self, path, data=None):
        def call():
            response = self.client.post(path, {**(data or {}), "csrfmiddlewaretoken": self.token})
            assert response.status_code == 302, (path, response.status_code)

        return call


def people(visitor, what, requests):
    """A session of ``requests // 3`` seats and the register POSTs of its warm-up and of its people:
    (session, warm-up calls, calls)."""
    session = SessionFactory(title=f"Profile {what}", number=100 + WHATS.index(what), capacity=max(1, requests // 3))
    path = f"/es/registrations/sessions/{session.slug}/register/"

    def register(number):
        return visitor.post(path, form_data(f"{what}{number}@example.org"))

    return session, [register(-n) for n in range(1, WARM_UP + 1)], [register(n) for n in range(requests)]


def confirmations(visitor, session):
    """The confirm POST of each person of ``session``, in the order they registered."""
    # The keys are derived (registrations.tokens): the database holds only their nonces.
    people_ = Registration.objects.filter(session=session).order_by("pk")
    return [visitor.post(f"/es/registrations/r/{person.token}/confirm/") for person in people_]


def scenario(what, requests, visitor):
    """(warm-up calls, profiled calls) of ``what``; each call makes one request and checks its answer."""
    open_ = visitor.open
    if what == "session-page":
        call = visitor.get(f"/es/sessions/{open_.slug}/", cookie="sessionid=bench-visitor-with-a-session")
        return [call] * WARM_UP, [call] * requests
    if what == "register-page":
        call = visitor.get(f"/es/registrations/sessions/{open_.slug}/register/", fresh=True)
        return [call] * WARM_UP, [call] * requests
    session, warm, registering = people(visitor, what, requests)
    if what == "register-post":
        return warm, registering
    for call in [*warm, *registering]:
        call()
    confirming = confirmations(visitor, session)
    if what == "confirm-post":
        # The warm-up's people confirm first, as earlier people would.
        return confirming[:WARM_UP], confirming[WARM_UP:]
    for call in confirming:
        call()
    # What is queued now: the warm-up's e-mails and those of the people profiled, in this order.
    queued = list(Delivery.objects.filter(status=Delivery.Status.QUEUED).order_by("pk").values_list("pk", flat=True))
    warm_ids = queued[: 2 * WARM_UP]
    # The sender sends everything queued: hold the people's rows back while the warm-up's go.
    Delivery.objects.filter(pk__in=queued[2 * WARM_UP :]).update(status=Delivery.Status.SENDING)

    def send_warm_up():
        send_queued(render=render_delivery)
        Delivery.objects.filter(pk__in=queued[2 * WARM_UP :]).update(status=Delivery.Status.QUEUED)

    def send_all():
        send_queued(render=render_delivery)
        assert not Delivery.objects.filter(status=Delivery.Status.QUEUED).exists()

    assert warm_ids
    return [send_warm_up], [send_all]


def profile(what, calls, *, mode, show_sql, dump):
    """Profile ``calls``. The statements are counted in the first request, outside the profile (the
    sender's one call is profiled while they are counted: it sends everything at once)."""
    if what != "sender":
        with CaptureQueriesContext(connection) as queries:
            calls[0]()
        calls = calls[1:]
    if mode in ("cprofile", "cpu"):
        profiler = cProfile.Profile(time.thread_time) if mode == "cpu" else cProfile.Profile()
    else:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    with CaptureQueriesContext(connection) as sender_queries:
        profiler.enable() if mode else profiler.start()
        for call in calls:
            call()
        profiler.disable() if mode else profiler.stop()
    if what == "sender":
        queries = sender_queries
        print(f"\n== sender: {sink.count()} e-mails written and sent in {len(queries)} statements")
    else:
        print(f"\n== {what}: {len(calls)} requests profiled; the first, before them, ran {len(queries)} statements")
    if show_sql:
        for query in queries[:40]:
            print("   ", query["sql"][:300])
    if not mode:
        print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))
        return
    if dump:
        profiler.dump_stats(f"{dump}.{what}.pstats")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="*", help=" ".join(WHATS))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--cprofile", action="store_const", const="cprofile", dest="mode")
    parser.add_argument("--cpu", action="store_const", const="cpu", dest="mode", help="cProfile, CPU time only")
    parser.add_argument("--dump", metavar="PREFIX", help="also write cProfile's stats to PREFIX.<what>.pstats")
    parser.add_argument("--sql", action="store_true", help="print the statements of the first request")
    args = parser.parse_args()
    unknown = set(args.what) - set(WHATS)
    if unknown:
        parser.error(f"unknown: {' '.join(sorted(unknown))}; choose among {' '.join(WHATS)}")
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - its login is not for us
    visitor = Visitor()
    for what in args.what or WHATS:
        warm, calls = scenario(what, args.requests, visitor)
        for call in warm:
            call()
        sink.reset()
        profile(what, calls, mode=args.mode, show_sql=args.sql, dump=args.dump)


if __name__ == "__main__":
    main()
