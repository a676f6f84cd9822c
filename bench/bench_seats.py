"""Registrants racing for the last seats on PostgreSQL: registrations.seats versus a naive
"count the confirmed, then confirm" without a lock.

Not a test: it prints a table. Its PostgreSQL database is its own (``bootstrap``: created on
BENCH_POSTGRES_URL's server, default postgres://root@127.0.0.1:5432, and dropped at the end).

In each round THREADS registrants (one database connection each) are released together by a
barrier; each registers (``register_participant``: a pending row and the confirmation request)
and confirms at once, for a session of CAPACITY seats:
- ours: ``confirm_registration``, which locks the session row before counting seats;
- baseline: the same registration, then a confirmation written here that counts the confirmed
  rows and confirms when the count is below capacity, in a transaction but with no lock.
Both send the same e-mails (eager Celery, in-memory mail backend), so the difference is the lock.
"""

import os
import statistics
import threading
import time

import bootstrap

run = bootstrap.start(database="postgres")

THREADS = int(os.environ.get("BENCH_THREADS", "30"))  # + the main connection: stays under 40
CAPACITY = int(os.environ.get("BENCH_CAPACITY", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def naive_confirm(*, registration):
    """What confirm_registration would be without lock_session: count, then write."""
    from django.db import transaction
    from django.utils import timezone

    from registrations import notifications
    from registrations.models import Registration
    from registrations.seats import SEAT_STATUSES

    with transaction.atomic():
        taken = Registration.objects.filter(session_id=registration.session_id, status__in=SEAT_STATUSES).count()
        now = timezone.now()
        if taken < registration.session.capacity:
            registration.status = Registration.Status.CONFIRMED
            registration.confirmed_at = now
            registration.save(update_fields=["status", "confirmed_at", "updated_at"])
            notifications.send_confirmed(registration=registration)
        else:
            registration.status = Registration.Status.WAITLISTED
            registration.waitlisted_at = now
            registration.save(update_fields=["status", "waitlisted_at", "updated_at"])
            notifications.send_waitlisted(registration=registration)
    return registration


def race(*, session, confirm):
    """Release THREADS registrants at once; returns (wall seconds, errors)."""
    from django.db import connections

    from registrations import registering

    barrier = threading.Barrier(THREADS + 1)
    errors = []

    def registrant(number):
        try:
            data = {
                "email": f"racer{number}@example.org",
                "full_name": f"Persona {number}",
                "country": "UY",
                "language": "es",
                "time_zone": "America/Montevideo",
            }
            barrier.wait()
            registration = registering.register_participant(session=session, data=data)
            confirm(registration=registration)
        except Exception as exc:  # noqa: BLE001 - counted and printed under the table
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=registrant, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


def main():
    from registrations import seats
    from registrations.models import Registration
    from tests.factories import SessionFactory

    results = {"ours": [], "baseline": []}
    errors = []
    for round_number in range(ROUNDS):
        for name, confirm in (("ours", seats.confirm_registration), ("baseline", naive_confirm)):
            session = SessionFactory(capacity=CAPACITY, slug=f"race-{name}-{round_number}")
            seconds, failed = race(session=session, confirm=confirm)
            statuses = Registration.objects.filter(session=session).values_list("status", flat=True)
            confirmed = sum(status == Registration.Status.CONFIRMED for status in statuses)
            waitlisted = sum(status == Registration.Status.WAITLISTED for status in statuses)
            results[name].append((seconds, confirmed, waitlisted))
            errors += [f"{name}: {error}" for error in failed]

    print(f"{THREADS} registrants at once for {CAPACITY} seats, {ROUNDS} rounds, PostgreSQL")
    header = ("confirm", "wall s (median)", "registrations/s", "confirmed/capacity", "waitlisted")
    print(f"{header[0]:<9} {header[1]:>16} {header[2]:>16} {header[3]:>26} {header[4]:>16}")
    for name, rounds in results.items():
        wall = statistics.median(seconds for seconds, _c, _w in rounds)
        confirmed = "/".join(str(count) for _s, count, _w in rounds)
        waitlisted = "/".join(str(count) for _s, _c, count in rounds)
        print(f"{name:<9} {wall:>16.3f} {THREADS / wall:>16.1f} {confirmed + f' of {CAPACITY}':>26} {waitlisted:>16}")
    oversold = [count - CAPACITY for _s, count, _w in results["baseline"] if count > CAPACITY]
    print(f"baseline oversold in {len(oversold)} of {ROUNDS} rounds, by up to {max(oversold, default=0)} seats")
    if errors:
        print(f"{len(errors)} registrants failed, for instance: {errors[0]}")


if __name__ == "__main__":
    main()
