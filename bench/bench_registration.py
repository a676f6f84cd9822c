"""People racing to register and confirm, through gunicorn, against a trivial POST in the same server.

Not a test: it prints a table. PostgreSQL database of its own, gunicorn ``-w 2`` with the production
settings (Redis cache and broker), the transactional worker (``-Q default``, 2 processes) sending to
an aiosmtpd sink in this process, and a load generator in this process.

BENCH_PEOPLE people (300) race for BENCH_CAPACITY seats (100), BENCH_CONCURRENCY (16) at a time:
- register: the form POST (double opt-in: a pending registration and its confirmation e-mail);
- confirm: the POST behind the e-mailed link, where the seat is decided under the session lock.
The ceiling is a trivial POST view (same middleware, CSRF included) sent as many times, before and
after ours; the ratio uses their mean. The floor (``site_urls.floor_register``) is the least a
registration can do in Django, the form validated and two rows inserted, raced the same way, in a
session of its own whose rows are deleted before ours: how far the portal is from Django itself.
The confirm floor (``site_urls.floor_confirm``) confirms those floor rows the same way: the token
looked up, the seat decided under the session lock, the row updated, nothing else.
Then the counts: exactly CAPACITY confirmed.

With BENCH_CPU_BY_PROCESS=1, a line per race gives the CPU each POST cost, by process: gunicorn's
workers, the Celery worker, the run's PostgreSQL backends, and this process (the load generator
and the SMTP sink); Redis, shared with the rest of the machine, is not counted. The worker's and
the sink's share is the e-mails, which are sent meanwhile (a second after the race is counted).
"""

import os
import re
import time
from collections import Counter
from urllib.parse import urlencode

import bootstrap

run = bootstrap.start(database="postgres")

from registrations.models import Delivery, Registration  # noqa: E402
from tests.factories import SessionFactory  # noqa: E402
from tests.registrations.helpers import form_data  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "300"))
CAPACITY = int(os.environ.get("BENCH_CAPACITY", "100"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
WARM_UP = 40
CPU_BY_PROCESS = os.environ.get("BENCH_CPU_BY_PROCESS") == "1"
PROCESSES = {}  # name: a function giving the pids of that process and its children, when CPU_BY_PROCESS


def csrf(port, path):
    """A CSRF cookie and the form's token, as a browser gets them with the page."""
    status, head, body = bootstrap.get(port, path)
    assert status == 200, status
    cookie = re.search(r"Set-Cookie: csrftoken=([^;]+)", head).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    return cookie, token


def post(path, fields, cookie):
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    return bootstrap.request_bytes("POST", path, body=body, headers=headers)


def race(port, ours, trivial, label):
    """ours/s and the trivial POST's/s (mean of one run before and one after), ours' statuses."""
    before, _statuses, _wall = bootstrap.hammer(port, trivial, concurrency=CONCURRENCY)
    started = cpu_by_process()
    rate, statuses, _wall = bootstrap.hammer(port, ours, concurrency=CONCURRENCY)
    if CPU_BY_PROCESS:
        time.sleep(1)  # the worker sends the race's last e-mails
        spent = {name: (seconds - started[name]) * 1000 / len(ours) for name, seconds in cpu_by_process().items()}
        CPU_LINES.append(f"{label:<44} " + ", ".join(f"{name} {ms:.2f}" for name, ms in spent.items()))
    after, _statuses, _wall = bootstrap.hammer(port, trivial, concurrency=CONCURRENCY)
    return rate, (before + after) / 2, statuses


CPU_LINES = []


def cpu_by_process():
    """{process name: CPU seconds so far}, when BENCH_CPU_BY_PROCESS is set."""
    if not CPU_BY_PROCESS:
        return {}
    return {name: sum(bootstrap.cpu_seconds(pid) for pid in pids()) for name, pids in PROCESSES.items()}


def warm_up(port, sink, cookie, token):
    """Servers that have served before, as in production, for ours as for the trivial POST: the
    gunicorn and worker processes have loaded the templates, the URLs and the kept choices, and
    hold their connections. People of a session of their own register and confirm; the floor's
    view runs on another."""
    session = SessionFactory(title="Warm-up", capacity=WARM_UP // 2)
    people = [form_data(f"warm{number}@example.org", csrfmiddlewaretoken=token) for number in range(WARM_UP)]
    bootstrap.hammer(port, [post(f"/es/registrations/sessions/{session.slug}/register/", p, cookie) for p in people])
    # The keys are derived (registrations.tokens): the database holds only their nonces.
    tokens = [person.token for person in Registration.objects.filter(session=session).only("link_nonce")]
    confirming = {"csrfmiddlewaretoken": token}
    bootstrap.hammer(port, [post(f"/es/registrations/r/{key}/confirm/", confirming, cookie) for key in tokens])
    floor = SessionFactory(title="Floor warm-up", capacity=WARM_UP)
    bootstrap.hammer(port, [post(f"/bench/floor-register/{floor.slug}/", p, cookie) for p in people])
    Delivery.objects.filter(registration__session=floor).delete()
    bootstrap.wait_for(lambda: sink.count() >= 2 * WARM_UP, timeout=120, what="the warm-up's e-mails")


def main():
    sink = bootstrap.Sink()
    run.children.append(sink)
    session = SessionFactory(title="Inclusive mechanisms", capacity=CAPACITY)
    server = bootstrap.Gunicorn(run)
    worker = bootstrap.Worker(run, queues="default", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port))
    PROCESSES.update(
        {
            "gunicorn": lambda: bootstrap.descendants(server.process.pid),
            "worker": lambda: [worker.process.pid, *bootstrap.descendants(worker.process.pid)],
            "PostgreSQL": bootstrap.database_backends,
            "this process": lambda: [os.getpid()],
        }
    )
    register_path = f"/es/registrations/sessions/{session.slug}/register/"
    cookie, token = csrf(server.port, register_path)

    def person(number):
        # The register form as the tests fill it (a Uruguayan, in Spanish), with the page's CSRF token.
        return form_data(f"person{number}@example.org", csrfmiddlewaretoken=token)

    warm = [post("/bench/trivial-post/", person(-1), cookie)] * 50
    bootstrap.hammer(server.port, warm, concurrency=4)
    trivial = [post("/bench/trivial-post/", person(number), cookie) for number in range(PEOPLE)]
    warm_up(server.port, sink, cookie, token)

    floor_session = SessionFactory(title="Floor", capacity=CAPACITY)
    flooring = [post(f"/bench/floor-register/{floor_session.slug}/", person(n), cookie) for n in range(PEOPLE)]
    floor_rate, floor_ceiling, floor_statuses = race(server.port, flooring, trivial, "floor register")
    assert Registration.objects.filter(session=floor_session).count() == PEOPLE, floor_statuses
    Delivery.objects.filter(registration__session=floor_session).delete()  # never to be sent
    floor_tokens = [person.token for person in Registration.objects.filter(session=floor_session).only("link_nonce")]
    confirming_floor = [
        post(f"/bench/floor-confirm/{key}/", {"csrfmiddlewaretoken": token}, cookie) for key in floor_tokens
    ]
    floor_confirm = race(server.port, confirming_floor, trivial, "floor confirm")
    floor_confirm_rate, floor_confirm_ceiling, floor_confirm_statuses = floor_confirm
    floor_counts = Counter(Registration.objects.filter(session=floor_session).values_list("status", flat=True))
    assert floor_counts == {"confirmed": CAPACITY, "waitlisted": PEOPLE - CAPACITY}, floor_counts
    Registration.objects.filter(session=floor_session).delete()

    registering = [post(register_path, person(number), cookie) for number in range(PEOPLE)]
    register_rate, register_ceiling, register_statuses = race(server.port, registering, trivial, "register")

    tokens = [person.token for person in Registration.objects.filter(session=session).only("link_nonce")]
    confirming = [
        post(f"/es/registrations/r/{token_}/confirm/", {"csrfmiddlewaretoken": token}, cookie) for token_ in tokens
    ]
    confirm_rate, confirm_ceiling, confirm_statuses = race(server.port, confirming, trivial, "confirm")

    counts = {
        status: Registration.objects.filter(session=session, status=status).count()
        for status in ("pending", "confirmed", "waitlisted")
    }
    started = time.perf_counter()
    expected = Delivery.objects.count()
    bootstrap.wait_for(lambda: sink.count() >= expected, timeout=300, what="the worker's e-mails")
    mail_seconds = time.perf_counter() - started

    print(
        f"{PEOPLE} people for {CAPACITY} seats, {CONCURRENCY} connections at a time; gunicorn -w 2, "
        "PostgreSQL, Redis; the default-queue worker sends the e-mails meanwhile"
    )
    print(bootstrap.RATIO_HEADER)
    print(bootstrap.ratio_line("floor: the form validated, 2 rows inserted", floor_rate, floor_ceiling,
                               "POST/s", f"  statuses {floor_statuses}"))  # fmt: skip
    of_floor = f"; {register_rate / floor_rate:.2f} of the floor"
    print(bootstrap.ratio_line("register POST (pending + confirmation e-mail)", register_rate, register_ceiling,
                               "POST/s", f"  statuses {register_statuses}{of_floor}"))  # fmt: skip
    print(bootstrap.ratio_line("floor: token, seat under the lock, row updated", floor_confirm_rate,
                               floor_confirm_ceiling, "POST/s", f"  statuses {floor_confirm_statuses}"))  # fmt: skip
    of_confirm_floor = f"; {confirm_rate / floor_confirm_rate:.2f} of the confirm floor"
    print(bootstrap.ratio_line("confirm POST (the seat, under the lock)", confirm_rate, confirm_ceiling,
                               "POST/s", f"  statuses {confirm_statuses}{of_confirm_floor}"))  # fmt: skip
    print(
        f"registrations: {counts['confirmed']} confirmed, {counts['waitlisted']} waitlisted, "
        f"{counts['pending']} pending (expected {CAPACITY} confirmed, {PEOPLE - CAPACITY} waitlisted); "
        f"e-mails: {sink.count()} received by the sink for {expected} outbox rows, "
        f"the last {mail_seconds:.1f} s after the last POST"
    )
    if CPU_LINES:
        print("CPU per POST, ms, by process:")
        print("\n".join(CPU_LINES))


if __name__ == "__main__":
    main()
