"""The SEQUENCE a person's calendar sees rises on every change of their event, read back with icalendar."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from registrations import seats
from registrations.campaigns import automatic
from registrations.models import Delivery
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _event(ics):
    calendar = Calendar.from_ical(ics)
    event = next(component for component in calendar.walk("VEVENT"))
    return str(calendar["method"]), str(event["status"]), int(event["sequence"]), str(event["uid"])


def _last_ics(registration):
    delivery = Delivery.objects.filter(registration=registration).exclude(ics="").order_by("-pk").first()
    return delivery.ics


def test_request_cancel_request_reschedule_each_raise_the_sequence(client, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=10)
    registration = RegistrationFactory(session=session, status="pending")
    seen = []

    # Each change commits, and the worker (eager here) writes and sends its message at once.
    with django_capture_on_commit_callbacks(execute=True):
        seats.confirm_registration(registration=registration)
    seen.append(_event(_last_ics(registration)))
    with django_capture_on_commit_callbacks(execute=True):
        seats.cancel_registration(registration=registration)
    seen.append(_event(_last_ics(registration)))
    with django_capture_on_commit_callbacks(execute=True):
        seats.confirm_registration(registration=registration)  # "Register again" on the private page
    seen.append(_event(_last_ics(registration)))
    with django_capture_on_commit_callbacks(execute=True):
        automatic.reschedule_session(session=session, starts_at=session.starts_at + timedelta(hours=2))
    registration.refresh_from_db()
    download = client.get(f"/en/registrations/r/{registration.token}/calendar.ics")
    seen.append(_event(download.content))

    uid = f"{session.uid}@copolad-wg"
    assert seen == [
        ("PUBLISH", "CONFIRMED", 0, uid),
        ("CANCEL", "CANCELLED", 1, uid),
        ("PUBLISH", "CONFIRMED", 2, uid),
        ("PUBLISH", "CONFIRMED", 3, uid),
    ]


def test_the_public_file_keeps_the_sessions_own_sequence(client):
    session = SessionFactory()
    RegistrationFactory(session=session, status="confirmed", ics_sequence=4)

    response = client.get(f"/en/sessions/{session.slug}/calendar.ics")

    assert _event(response.content)[2] == 0
