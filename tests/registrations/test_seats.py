from datetime import timedelta

import pytest
from django.utils import timezone, translation

from registrations import registering, seats
from registrations.consent import current_notice
from registrations.models import Delivery, Registration
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import person, rendered
from tests.support.sent import as_sent

pytestmark = pytest.mark.django_db


def statuses(session):
    return list(Registration.objects.filter(session=session).order_by("pk").values_list("email", "status"))


def test_register_creates_a_pending_registration_with_consent_and_queues_the_confirmation_request(session):
    registration = registering.register_participant(session=session, data=person("Ana@Example.org"))

    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING
    assert registration.source == Registration.Source.SELF
    assert registration.consent_text_version == str(current_notice().version) == "1"
    assert registration.consent_given_at is not None
    assert len(registration.token) >= 40
    delivery = rendered(Delivery.objects.get(registration=registration))
    assert (delivery.kind, delivery.to_email, delivery.language) == ("registration_confirm", "Ana@Example.org", "es")
    assert delivery.subject == f"Por favor, confirme su inscripción: {session.title}"
    assert f"/es/registrations/r/{registration.token}/confirm/" in as_sent(delivery).body_text
    assert session.join_url not in delivery.body_text + delivery.body_html


def test_registering_again_in_another_case_creates_nothing_and_resends_the_private_link(session):
    first = registering.register_participant(session=session, data=person("ana@example.org"))

    again = registering.register_participant(session=session, data=person("ANA@EXAMPLE.ORG", full_name="Someone else"))

    assert again.pk == first.pk
    assert Registration.objects.filter(session=session).count() == 1
    assert Registration.objects.get().full_name == "María José O'Connor-Núñez"
    assert list(Delivery.objects.order_by("pk").values_list("kind", "to_email")) == [
        ("registration_confirm", "ana@example.org"),
        ("registration_link", "ana@example.org"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": Session.Status.REGISTRATION_CLOSED}, "Registration for this session is closed."),
        ({"status": Session.Status.PUBLISHED}, "Registration for this session is not open yet."),
        ({"status": Session.Status.CANCELLED}, "This session has been cancelled."),
        ({"starts_at": timezone.now() - timedelta(days=2)}, "This session has already taken place."),
        ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, "Registration for this session is closed."),
        (
            {"registration_opens_at": timezone.now() + timedelta(days=1)},
            "Registration for this session is not open yet.",
        ),
    ],
)
def test_registration_outside_the_window_is_refused_with_a_message(changes, message):
    session = SessionFactory(**changes)

    with translation.override("en"), pytest.raises(seats.RegistrationClosed) as error:
        registering.register_participant(session=session, data=person("ana@example.org"))

    with translation.override("en"):
        assert str(error.value.message) == message
    assert Registration.objects.count() == 0


def test_staff_can_register_someone_while_registration_is_closed(staff):
    session = SessionFactory(status=Session.Status.REGISTRATION_CLOSED)

    registration = registering.register_participant(
        session=session, data=person("ana@example.org"), source=Registration.Source.STAFF, registered_by=staff
    )

    assert (registration.status, registration.source, registration.registered_by) == (
        Registration.Status.PENDING,
        Registration.Source.STAFF,
        staff,
    )


def test_confirm_gives_seats_until_full_then_waitlists_in_order():
    session = SessionFactory(capacity=2)
    people = [RegistrationFactory(session=session, status=Registration.Status.PENDING) for _ in range(4)]

    results = [seats.confirm_registration(registration=registration) for registration in people]

    assert [result.status for result in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [seats.waitlist_position(result) for result in results] == [None, None, 1, 2]
    kinds = list(Delivery.objects.order_by("pk").values_list("registration_id", "kind"))
    assert kinds == [
        (people[0].pk, "registration_confirmed"),
        (people[1].pk, "registration_confirmed"),
        (people[2].pk, "registration_waitlisted"),
        (people[3].pk, "registration_waitlisted"),
    ]
    confirmed = rendered(Delivery.objects.filter(kind="registration_confirmed").first())
    assert session.join_url in confirmed.body_text
    assert "BEGIN:VCALENDAR" in confirmed.ics
    waitlisted = rendered(Delivery.objects.filter(kind="registration_waitlisted").last())
    assert "Su posición en la lista de espera: 2" in waitlisted.body_text
    assert session.join_url not in waitlisted.body_text + waitlisted.body_html


def test_confirming_twice_changes_nothing(session):
    registration = RegistrationFactory(session=session, status=Registration.Status.PENDING)
    seats.confirm_registration(registration=registration)

    again = seats.confirm_registration(registration=registration)

    assert again.status == Registration.Status.CONFIRMED
    assert Delivery.objects.filter(registration=registration).count() == 1


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list_and_tells_them():
    session = SessionFactory(capacity=1)
    holder, first, second = (RegistrationFactory(session=session, status="pending") for _ in range(3))
    for registration in (holder, first, second):
        seats.confirm_registration(registration=registration)

    seats.cancel_registration(registration=holder)

    assert [status for _email, status in statuses(session)] == ["cancelled", "confirmed", "waitlisted"]
    second.refresh_from_db()
    assert seats.waitlist_position(second) == 1
    promoted = rendered(Delivery.objects.get(registration=first, kind="registration_confirmed"))
    assert promoted.subject == f"Se ha liberado una plaza para usted: {session.title}"
    assert session.join_url in promoted.body_text
    cancelled = rendered(Delivery.objects.get(registration=holder, kind="registration_cancelled"))
    assert "METHOD:CANCEL" in cancelled.ics


def test_cancelling_a_waitlisted_registration_frees_no_seat():
    session = SessionFactory(capacity=1)
    holder, waiting = (RegistrationFactory(session=session, status="pending") for _ in range(2))
    seats.confirm_registration(registration=holder)
    seats.confirm_registration(registration=waiting)

    seats.cancel_registration(registration=waiting)

    assert [status for _email, status in statuses(session)] == ["confirmed", "cancelled"]


def test_raising_the_capacity_and_promoting_fills_seats_in_waiting_list_order():
    session = SessionFactory(capacity=1)
    people = [RegistrationFactory(session=session, status="pending") for _ in range(4)]
    for registration in people:
        seats.confirm_registration(registration=registration)
    Session.objects.filter(pk=session.pk).update(capacity=3)

    promoted = seats.promote_from_waitlist(session=session)

    assert [registration.pk for registration in promoted] == [people[1].pk, people[2].pk]
    assert [status for _email, status in statuses(session)] == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_staff_move_to_waitlist_gives_the_seat_to_the_next_person():
    session = SessionFactory(capacity=1)
    holder, waiting = (RegistrationFactory(session=session, status="pending") for _ in range(2))
    seats.confirm_registration(registration=holder)
    seats.confirm_registration(registration=waiting)

    seats.move_to_waitlist(registration=holder)

    holder.refresh_from_db()
    assert [status for _email, status in statuses(session)] == ["waitlisted", "confirmed"]
    assert seats.waitlist_position(holder) == 1


def test_a_session_without_capacity_confirms_everyone():
    session = SessionFactory(capacity=None)
    people = [RegistrationFactory(session=session, status="pending") for _ in range(3)]

    assert [seats.confirm_registration(registration=r).status for r in people] == ["confirmed"] * 3


def test_a_cancelled_person_can_register_again_while_open_and_joins_the_end_of_the_queue():
    session = SessionFactory(capacity=1)
    holder, other = (RegistrationFactory(session=session, status="pending") for _ in range(2))
    seats.confirm_registration(registration=holder)
    seats.cancel_registration(registration=holder)
    seats.confirm_registration(registration=other)

    again = seats.confirm_registration(registration=holder)

    assert (again.status, seats.waitlist_position(again)) == ("waitlisted", 1)


def test_confirming_for_a_cancelled_session_is_refused():
    session = SessionFactory(status=Session.Status.CANCELLED)
    registration = RegistrationFactory(session=session, status="pending")

    with pytest.raises(seats.RegistrationClosed):
        seats.confirm_registration(registration=registration)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING


def test_the_waiting_list_is_first_come_first_served_and_an_instant_shared_goes_by_id(django_assert_num_queries):
    session = SessionFactory(capacity=1)
    moment = timezone.now()
    RegistrationFactory(session=session, status="confirmed")
    earlier = RegistrationFactory(session=session, status="waitlisted", waitlisted_at=moment - timedelta(minutes=1))
    same_b, same_a = (RegistrationFactory(session=session, status="waitlisted", waitlisted_at=moment) for _ in "ab")
    later = RegistrationFactory(session=session, status="waitlisted", waitlisted_at=moment + timedelta(seconds=1))
    RegistrationFactory(status="waitlisted", waitlisted_at=moment - timedelta(days=1))  # another session's list

    with django_assert_num_queries(4):  # one count per person
        positions = [seats.waitlist_position(person) for person in (earlier, same_b, same_a, later)]

    assert positions == [1, 2, 3, 4]


def test_a_seat_decision_is_on_record_as_auditlog_itself_records_a_change():
    from auditlog.models import LogEntry

    session = SessionFactory(capacity=1)
    seated, waiting, by_hand = (RegistrationFactory(session=session, status="pending") for _ in range(3))
    seats.confirm_registration(registration=seated)
    seats.confirm_registration(registration=waiting)
    # The same change saved plainly, which auditlog puts on record itself (reading the row again).
    by_hand.status, by_hand.waitlisted_at = Registration.Status.WAITLISTED, timezone.now()
    by_hand.save(update_fields=["status", "waitlisted_at", "confirmed_at", "cancelled_at", "updated_at"])

    def update(registration):
        return LogEntry.objects.get_for_object(registration).get(action=LogEntry.Action.UPDATE)

    assert update(seated).changes["status"] == ["pending", "confirmed"]
    assert update(waiting).changes["status"] == update(by_hand).changes["status"] == ["pending", "waitlisted"]
    assert set(update(waiting).changes) == set(update(by_hand).changes) == {"status", "waitlisted_at"}
    assert update(waiting).object_repr == str(waiting)
