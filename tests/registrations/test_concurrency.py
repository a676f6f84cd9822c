"""Capacity under concurrent load on the real PostgreSQL: threads, each with its own connection.

Fewer than 40 threads at a time, so the test stays well under PostgreSQL's max_connections.
"""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from registrations import registering, seats
from registrations.models import Registration
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import person, run_concurrently

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are tested on PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def _patient_lock(settings):
    """The races check the seats, not the busy page (the lock-timeout test below checks that, with
    its own timeout): thirty threads queue for one session row, and on a busy two-core machine the
    last of them waited longer than the portal's 5 s (SessionBusy, seen in CI)."""
    settings.REGISTRATION_LOCK_TIMEOUT_MS = 60_000


def register_and_confirm(session, email):
    registration = registering.register_participant(session=session, data=person(email))
    return seats.confirm_registration(registration=registration)


def test_300_people_racing_for_100_seats_get_exactly_100_seats_and_200_waiting():
    session = SessionFactory(capacity=100)

    results, errors = run_concurrently(
        lambda index: register_and_confirm(session, f"person{index}@example.org"), range(300)
    )

    assert errors == []
    rows = Registration.objects.filter(session=session)
    assert rows.count() == 300
    assert rows.values("email").distinct().count() == 300
    assert rows.filter(status=Registration.Status.CONFIRMED).count() == 100
    assert rows.filter(status=Registration.Status.WAITLISTED).count() == 200
    waiting = list(rows.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "pk"))
    assert [seats.waitlist_position(registration) for registration in waiting] == list(range(1, 201))


def test_cancellations_racing_new_registrations_never_exceed_capacity_and_keep_the_queue_order():
    session = SessionFactory(capacity=100)
    confirmed = RegistrationFactory.create_batch(100, session=session, status=Registration.Status.CONFIRMED)
    start = timezone.now() - timedelta(hours=1)
    waiting = [
        RegistrationFactory(
            session=session, status=Registration.Status.WAITLISTED, waitlisted_at=start + timedelta(seconds=i)
        )
        for i in range(60)
    ]
    stop = threading.Event()
    seen = []

    def watch():
        try:
            while not stop.is_set():
                seen.append(Registration.objects.filter(session=session, status__in=seats.SEAT_STATUSES).count())
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    jobs = [("cancel", registration) for registration in confirmed[:50]] + [
        ("new", f"late{index}@example.org") for index in range(50)
    ]
    try:
        _results, errors = run_concurrently(
            lambda job: (
                seats.cancel_registration(registration=job[1])
                if job[0] == "cancel"
                else register_and_confirm(session, job[1])
            ),
            jobs,
        )
    finally:
        stop.set()
        watcher.join()

    assert errors == []
    assert max(seen) <= 100
    rows = Registration.objects.filter(session=session)
    assert rows.filter(status=Registration.Status.CONFIRMED).count() == 100
    assert rows.filter(status=Registration.Status.CANCELLED).count() == 50
    promoted = set(rows.filter(pk__in=[r.pk for r in waiting], status="confirmed").values_list("pk", flat=True))
    assert promoted == {registration.pk for registration in waiting[:50]}
    queue = list(rows.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "pk"))
    assert [registration.pk for registration in queue[:10]] == [registration.pk for registration in waiting[50:]]
    assert sorted(registration.email for registration in queue[10:]) == sorted(
        f"late{i}@example.org" for i in range(50)
    )


def test_the_same_address_in_different_case_at_the_same_moment_makes_one_registration():
    session = SessionFactory(capacity=100)
    pairs = [(f"Twin{i}@Example.org", f"tWIN{i}@example.ORG") for i in range(15)]

    results, errors = run_concurrently(
        lambda email: registering.register_participant(session=session, data=person(email)),
        [email for pair in pairs for email in pair],
    )

    assert errors == []
    assert Registration.objects.filter(session=session).count() == 15
    pks = [registration.pk for registration in results]
    assert all(pks[2 * i] == pks[2 * i + 1] for i in range(15))


def test_a_lock_held_too_long_gives_the_try_again_page_not_an_error(client, settings):
    settings.REGISTRATION_LOCK_TIMEOUT_MS = 200
    cache.clear()
    session = SessionFactory(capacity=10)
    registration = RegistrationFactory(session=session, status=Registration.Status.PENDING)
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=session.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(timeout=5)
    try:
        response = client.post(f"/es/registrations/r/{registration.token}/confirm/")
    finally:
        release.set()
        holder.join()

    assert response.status_code == 503
    assert "Muchas personas se están inscribiendo en este momento." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING


def test_erasures_racing_confirmations_leave_no_personal_data_and_no_error():
    """Each of 20 pending people confirms while their erasure runs: whichever wins, nothing of them
    stays, the seats add up, and neither side fails with anything but a clear refusal."""
    from registrations.privacy import personal_data

    session = SessionFactory(capacity=10)
    people = [
        RegistrationFactory(session=session, email=f"racer{index}@example.org", full_name=f"Racer {index}")
        for index in range(20)
    ]
    jobs = [("erase", person) for person in people] + [("confirm", person) for person in people]

    def run(job):
        kind, registration = job
        if kind == "erase":
            return personal_data.erase_personal_data(registration=registration)
        try:
            return seats.confirm_registration(registration=registration)
        except seats.ActionNotAllowed:
            return "refused: already erased"

    _results, errors = run_concurrently(run, jobs)

    assert errors == []
    rows = list(Registration.objects.filter(session=session).values_list("email", "full_name", "link_nonce", "status"))
    assert all((email, name, token) == ("", "", None) for email, name, token, _status in rows)
    assert {status for *_data, status in rows} == {Registration.Status.CANCELLED}


def test_a_country_change_racing_the_confirmation_never_ends_confirmed_on_another_countrys_seat():
    """One seat, reserved for Uruguay. A Uruguayan's confirm and their change to Mexico arrive at
    the same moment: either the change comes first (Mexico, waiting list) or the seat does (Uruguay,
    change refused). Never confirmed as Mexican on Uruguay's seat."""
    from tests.factories import SeatReservationFactory

    outcomes = []
    for _round in range(10):
        session = SessionFactory(capacity=1)
        SeatReservationFactory(session=session, country="UY", seats=1)
        registration = RegistrationFactory(session=session, country="UY", status=Registration.Status.PENDING)
        # Each side holds the registration as its request read it: pending, from Uruguay.
        copies = {
            "change": Registration.objects.select_related("session").get(pk=registration.pk),
            "confirm": Registration.objects.select_related("session").get(pk=registration.pk),
        }

        def act(side, copies=copies):
            if side == "change":
                return registering.change_details(registration=copies[side], data={"country": "MX"})
            return seats.confirm_registration(registration=copies[side])

        _results, errors = run_concurrently(act, ["change", "confirm"], workers=2)
        stored = Registration.objects.get(pk=registration.pk)
        outcomes.append((stored.country.code, stored.status))
        assert all(isinstance(error, seats.CountryChangeNotAllowed) for error in errors), errors
        assert (stored.country.code, stored.status) in {
            ("MX", Registration.Status.WAITLISTED),
            ("UY", Registration.Status.CONFIRMED),
        }, outcomes
