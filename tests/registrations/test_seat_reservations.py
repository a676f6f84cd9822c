"""Seats reserved per country: the rule, the waiting list, cancellations, the admin and the dashboard."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from registrations import registering, seat_counts, seats
from registrations.models import Registration, SeatReservation
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import person, run_concurrently
from tests.sessions_app.test_admin import inline_management, session_form

pytestmark = pytest.mark.django_db

MADRID_TIME = "Europe/Madrid"


def arrive(session, name, country):
    """Register and confirm ``name``@example.org from ``country``; returns the fresh registration."""
    registration = registering.register_participant(
        session=session, data=person(f"{name}@example.org", country=country, full_name=name)
    )
    return seats.confirm_registration(registration=registration)


def statuses(session):
    return {
        email.split("@")[0]: status
        for email, status in Registration.objects.filter(session=session).values_list("email", "status")
    }


def queue(session):
    return [
        registration.email.split("@")[0]
        for registration in Registration.objects.filter(
            session=session, status=Registration.Status.WAITLISTED
        ).order_by("waitlisted_at", "pk")
    ]


def waiting(session, names_and_countries):
    """Waitlisted registrations in the order given, one second apart."""
    start = timezone.now() - timedelta(hours=1)
    return [
        RegistrationFactory(
            session=session,
            email=f"{name}@example.org",
            country=country,
            status=Registration.Status.WAITLISTED,
            waitlisted_at=start + timedelta(seconds=index),
        )
        for index, (name, country) in enumerate(names_and_countries)
    ]


def seated(session, names_and_countries):
    return [
        RegistrationFactory(
            session=session, email=f"{name}@example.org", country=country, status=Registration.Status.CONFIRMED
        )
        for name, country in names_and_countries
    ]


# --- The rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "taken", "reservations", "country", "expected"),
    [
        (3, {}, {}, "MX", True),
        (3, {"MX": 2}, {}, "MX", True),
        (3, {"MX": 3}, {}, "MX", False),
        (None, {"MX": 300}, {"UY": 5}, "MX", True),
        # Reserved seats only go to their country.
        (3, {"MX": 2}, {"UY": 1}, "MX", False),
        (3, {"MX": 2}, {"UY": 1}, "UY", True),
        # Once the quota is used, the country's people compete in the pool.
        (3, {"UY": 1}, {"UY": 1}, "UY", True),
        (3, {"UY": 2, "MX": 1}, {"UY": 1}, "UY", False),
        (4, {"UY": 2, "MX": 1}, {"UY": 1}, "AR", True),
        (5, {"MX": 3}, {"UY": 2}, "AR", False),
        (4, {"UY": 1, "MX": 1}, {"UY": 2}, "AR", True),
        # Full is full, reserved or not.
        (3, {"UY": 1, "MX": 2}, {"UY": 2}, "UY", False),
        # Reservations above a capacity lowered later: only the reserved countries, up to the capacity.
        (2, {"UY": 1}, {"UY": 2, "MX": 2}, "AR", False),
        (2, {"UY": 1}, {"UY": 2, "MX": 2}, "MX", True),
    ],
)
def test_can_take_seat(capacity, taken, reservations, country, expected):
    session = SessionFactory.build(capacity=capacity)

    assert seat_counts.can_take_seat(session, country, taken, reservations) is expected


def test_reserved_seats_go_only_to_their_country_and_others_wait_even_if_they_are_empty():
    session = SessionFactory(capacity=4)
    SeatReservation.objects.create(session=session, country="UY", seats=2)

    for name in ("mx1", "mx2", "mx3"):
        arrive(session, name, "MX")

    assert statuses(session) == {"mx1": "confirmed", "mx2": "confirmed", "mx3": "waitlisted"}
    assert seat_counts.seats_left(session) == 2

    arrive(session, "uy1", "UY")
    arrive(session, "uy2", "UY")
    arrive(session, "uy3", "UY")

    assert statuses(session) == {
        "mx1": "confirmed",
        "mx2": "confirmed",
        "mx3": "waitlisted",
        "uy1": "confirmed",
        "uy2": "confirmed",
        "uy3": "waitlisted",
    }
    assert queue(session) == ["mx3", "uy3"]


def test_once_the_quota_is_used_the_country_competes_in_the_pool():
    session = SessionFactory(capacity=3)
    SeatReservation.objects.create(session=session, country="UY", seats=1)

    for name in ("uy1", "uy2", "uy3"):
        arrive(session, name, "UY")
    arrive(session, "mx1", "MX")

    assert statuses(session) == {"uy1": "confirmed", "uy2": "confirmed", "uy3": "confirmed", "mx1": "waitlisted"}


def test_without_reservations_the_first_come_take_the_seats_as_before():
    session = SessionFactory(capacity=2)

    for name, country in (("uy1", "UY"), ("mx1", "MX"), ("mx2", "MX")):
        arrive(session, name, country)

    assert statuses(session) == {"uy1": "confirmed", "mx1": "confirmed", "mx2": "waitlisted"}


# --- The waiting list -----------------------------------------------------------------------------


def test_promotion_walks_the_queue_in_order_and_skips_people_who_do_not_fit():
    session = SessionFactory(capacity=4)
    seated(session, [("mx1", "MX"), ("mx2", "MX")])
    waiting(session, [("mx3", "MX"), ("mx4", "MX"), ("uy1", "UY"), ("mx5", "MX"), ("uy2", "UY"), ("uy3", "UY")])
    SeatReservation.objects.create(session=session, country="UY", seats=2)

    promoted = seats.promote_from_waitlist(session=session)

    assert [registration.email for registration in promoted] == ["uy1@example.org", "uy2@example.org"]
    assert queue(session) == ["mx3", "mx4", "mx5", "uy3"]
    waitlisted = Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED)
    assert sorted(seats.waitlist_position(registration) for registration in waitlisted) == [1, 2, 3, 4]


def test_raising_the_capacity_fills_the_pool_in_queue_order_after_the_reserved_seats():
    session = SessionFactory(capacity=3)
    SeatReservation.objects.create(session=session, country="UY", seats=1)
    seated(session, [("mx1", "MX"), ("mx2", "MX"), ("uy1", "UY")])
    waiting(session, [("mx3", "MX"), ("uy2", "UY"), ("mx4", "MX")])
    session.capacity = 5
    session.save(update_fields=["capacity"])

    seats.promote_from_waitlist(session=session)

    assert queue(session) == ["mx4"]
    assert statuses(session)["mx3"] == statuses(session)["uy2"] == "confirmed"


def test_cancelling_a_reserved_seat_gives_it_to_the_next_person_of_that_country():
    session = SessionFactory(capacity=3)
    SeatReservation.objects.create(session=session, country="UY", seats=1)
    uy1, mx1, _mx2 = seated(session, [("uy1", "UY"), ("mx1", "MX"), ("mx2", "MX")])
    waiting(session, [("mx3", "MX"), ("uy2", "UY"), ("uy3", "UY")])

    seats.cancel_registration(registration=uy1)

    assert statuses(session)["uy2"] == "confirmed"
    assert queue(session) == ["mx3", "uy3"]

    seats.cancel_registration(registration=mx1)

    assert statuses(session)["mx3"] == "confirmed"
    assert queue(session) == ["uy3"]


def test_cancelling_when_the_country_also_holds_a_pool_seat_gives_the_seat_to_the_pool_queue():
    session = SessionFactory(capacity=3)
    SeatReservation.objects.create(session=session, country="UY", seats=1)
    uy1, _uy2, _mx1 = seated(session, [("uy1", "UY"), ("uy2", "UY"), ("mx1", "MX")])
    waiting(session, [("mx2", "MX"), ("uy3", "UY")])

    seats.cancel_registration(registration=uy1)

    # uy2 now holds Uruguay's reserved seat, so the freed seat is a pool seat: first in the queue.
    assert statuses(session)["mx2"] == "confirmed"
    assert queue(session) == ["uy3"]


def test_a_waitlisted_person_of_another_country_confirming_again_stays_waiting():
    session = SessionFactory(capacity=2)
    SeatReservation.objects.create(session=session, country="UY", seats=1)
    seated(session, [("mx1", "MX")])
    (mx2,) = waiting(session, [("mx2", "MX")])

    seats.confirm_registration(registration=mx2)

    assert statuses(session) == {"mx1": "confirmed", "mx2": "waitlisted"}


# --- The admin ------------------------------------------------------------------------------------


def reservation_rows(rows):
    data = inline_management("seat_reservations", total=len(rows))
    for index, (country, number) in enumerate(rows):
        data[f"seat_reservations-{index}-country"] = country
        data[f"seat_reservations-{index}-seats"] = str(number)
    return data


def change_form(session, *, capacity, rows):
    starts_at = session.starts_at.astimezone(session.zone)
    return session_form(
        session.group,
        number=str(session.number),
        slug=session.slug,
        status=session.status,
        time_zone=session.time_zone,
        starts_at_0=f"{starts_at:%Y-%m-%d}",
        starts_at_1=f"{starts_at:%H:%M:%S}",
        capacity=str(capacity),
        **reservation_rows(rows),
    )


def errors(response):
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', response.content.decode())


def test_admin_refuses_reservations_above_the_capacity(client, staff):
    session = SessionFactory(capacity=10, time_zone=MADRID_TIME)
    client.force_login(staff)

    response = client.post(
        f"/admin/sessions_app/session/{session.pk}/change/",
        change_form(session, capacity=10, rows=[("UY", 6), ("MX", 5)]),
    )

    assert errors(response) == ["The reserved seats add up to 11, more than the capacity of 10 seats."]
    assert SeatReservation.objects.count() == 0


def test_admin_refusal_is_in_the_staff_language(client, staff):
    session = SessionFactory(capacity=10, time_zone=MADRID_TIME)
    client.force_login(staff)

    response = client.post(
        f"/admin/sessions_app/session/{session.pk}/change/",
        change_form(session, capacity=10, rows=[("UY", 11)]),
        headers={"accept-language": "es"},
    )

    assert errors(response) == ["Los asientos reservados suman 11, más que la capacidad de 10 asientos."]


def test_admin_saves_reservations_within_the_capacity(client, staff):
    session = SessionFactory(capacity=10, time_zone=MADRID_TIME)
    client.force_login(staff)

    response = client.post(
        f"/admin/sessions_app/session/{session.pk}/change/",
        change_form(session, capacity=10, rows=[("UY", 6), ("MX", 4)]),
    )

    assert response.status_code == 302, errors(response)
    assert list(SeatReservation.objects.order_by("country").values_list("session", "country", "seats")) == [
        (session.pk, "MX", 4),
        (session.pk, "UY", 6),
    ]


def test_admin_removing_a_reservation_gives_its_seats_to_the_waiting_list(
    client, staff, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=3, time_zone=MADRID_TIME)
    reservation = SeatReservation.objects.create(session=session, country="UY", seats=1)
    seated(session, [("mx1", "MX"), ("mx2", "MX")])
    waiting(session, [("mx3", "MX"), ("mx4", "MX")])
    client.force_login(staff)
    data = change_form(session, capacity=3, rows=[("UY", 1)])
    data.update(
        {
            "seat_reservations-INITIAL_FORMS": "1",
            "seat_reservations-0-id": str(reservation.pk),
            "seat_reservations-0-session": str(session.pk),
            "seat_reservations-0-DELETE": "on",
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(f"/admin/sessions_app/session/{session.pk}/change/", data, follow=True)

    # Saving moves nobody: staff confirm on the promotion page, which shows who gets which e-mail.
    promote_url = f"/admin/sessions_app/session/{session.pk}/promote/"
    assert any(promote_url in str(message) for message in saved.context["messages"]), errors(saved)
    assert SeatReservation.objects.count() == 0
    assert queue(session) == ["mx3", "mx4"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(promote_url, {"confirmed": "yes"}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "1 person moved from the waiting list to confirmed."
    ]
    assert queue(session) == ["mx4"]


def test_admin_refuses_reservations_on_a_session_without_capacity(client, staff):
    session = SessionFactory(capacity=None, time_zone=MADRID_TIME)
    client.force_login(staff)

    data = change_form(session, capacity="", rows=[("UY", 2)])
    response = client.post(f"/admin/sessions_app/session/{session.pk}/change/", data)

    assert errors(response) == ["Set a capacity for the session before reserving seats for countries."]
    assert SeatReservation.objects.count() == 0


# --- The focal-point dashboard --------------------------------------------------------------------


def test_dashboard_shows_the_country_reserved_seats_and_how_many_are_used(focal_point_uruguay, client):
    reserved = SessionFactory(title="Reserved", capacity=20)
    SeatReservation.objects.create(session=reserved, country="UY", seats=3)
    SeatReservation.objects.create(session=reserved, country="MX", seats=4)
    seated(reserved, [("uy1", "UY"), ("mx1", "MX")])
    RegistrationFactory(session=reserved, country="UY", status=Registration.Status.PENDING)
    SessionFactory(title="Open to all", capacity=20)
    client.force_login(focal_point_uruguay.user)

    page = client.get(reverse("focal_points:dashboard")).content.decode()

    assert re.findall(r'<p class="[^"]*seat-reservation">(.*?)</p>', page) == [
        "Seats reserved for your country: 3 (1 taken)"
    ]


def test_dashboard_caps_the_used_count_at_the_reserved_seats(focal_point_uruguay, client):
    session = SessionFactory(capacity=20)
    SeatReservation.objects.create(session=session, country="UY", seats=1)
    seated(session, [("uy1", "UY"), ("uy2", "UY")])
    client.force_login(focal_point_uruguay.user)

    with translation.override("es"):
        url = reverse("focal_points:dashboard")
    page = client.get(url).content.decode()

    assert re.findall(r'<p class="[^"]*seat-reservation">(.*?)</p>', page) == [
        "Asientos reservados para su país: 1 (1 ocupados)"
    ]


def test_dashboard_costs_the_same_queries_with_one_or_many_reserved_sessions(
    focal_point_uruguay, client, django_assert_num_queries
):
    def add_session():
        session = SessionFactory(capacity=20)
        SeatReservation.objects.create(session=session, country="UY", seats=2)
        seated(session, [(f"uy-{session.pk}", "UY"), (f"mx-{session.pk}", "MX")])

    add_session()
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:dashboard")
    client.get(url)  # warm up (sessions, translations)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    for _index in range(5):
        add_session()

    with django_assert_num_queries(len(queries)):
        page = client.get(url).content.decode()
    assert page.count("Seats reserved for your country: 2 (1 taken)") == 6


# --- Under concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_60_people_from_two_countries_racing_for_20_seats_respect_the_capacity_and_the_reservation():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are tested on PostgreSQL (DATABASE_URL=postgres://...)")
    session = SessionFactory(capacity=20)
    SeatReservation.objects.create(session=session, country="UY", seats=5)
    people = [(f"uy{index}", "UY") for index in range(30)] + [(f"mx{index}", "MX") for index in range(30)]
    # Mexico's people first in the list, so they tend to start first and fill the pool.
    people.sort(key=lambda name_and_country: name_and_country[1])

    _results, failures = run_concurrently(lambda name_and_country: arrive(session, *name_and_country), people)

    assert failures == []
    rows = Registration.objects.filter(session=session)
    confirmed = dict(
        rows.filter(status=Registration.Status.CONFIRMED).values_list("country").annotate(n=Count("pk")).order_by()
    )
    assert sum(confirmed.values()) == 20
    assert confirmed.get("UY", 0) >= 5
    assert confirmed.get("MX", 0) <= 15
    assert rows.filter(status=Registration.Status.WAITLISTED).count() == 40
