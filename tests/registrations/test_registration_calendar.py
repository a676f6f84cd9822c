"""The .ics downloaded from the private page, read back with icalendar."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from registrations import seats
from registrations.models import Registration
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def download(client, registration):
    response = client.get(f"/es/registrations/r/{registration.token}/calendar.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def event_of(calendar):
    return next(component for component in calendar.walk("VEVENT"))


@pytest.fixture
def madrid_session():
    start = datetime(2027, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    return SessionFactory(starts_at=start, time_zone="Europe/Madrid", capacity=1)


def test_confirmed_download_has_a_stable_uid_the_right_instant_an_iana_tzid_and_the_join_link(client, madrid_session):
    registration = RegistrationFactory(session=madrid_session, status="pending")
    seats.confirm_registration(registration=registration)

    first, second = download(client, registration), download(client, registration)

    event = event_of(first)
    assert str(event["UID"]) == str(event_of(second)["UID"]) == f"{madrid_session.uid}@copolad-wg"
    start = event.decoded("DTSTART")
    assert start == madrid_session.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert str(start.tzinfo) == "Europe/Madrid"
    assert str(first["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in event
    assert madrid_session.join_url in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == madrid_session.join_url


@pytest.mark.parametrize("status", [Registration.Status.PENDING, Registration.Status.WAITLISTED])
def test_no_join_link_in_the_file_of_someone_not_confirmed(client, madrid_session, status):
    seats.confirm_registration(registration=RegistrationFactory(session=madrid_session, status="pending"))
    registration = RegistrationFactory(session=madrid_session, status="pending")
    seats.confirm_registration(registration=registration)  # waitlisted: the only seat is taken
    if status == Registration.Status.PENDING:
        registration = RegistrationFactory(session=madrid_session, status="pending")

    calendar = download(client, registration)

    assert madrid_session.join_url not in calendar.to_ical().decode()
    assert str(event_of(calendar)["UID"]) == f"{madrid_session.uid}@copolad-wg"


def test_a_cancelled_person_gets_no_calendar_file_as_their_page_offers_none(client, madrid_session):
    registration = RegistrationFactory(session=madrid_session, status="pending")
    seats.confirm_registration(registration=registration)
    seats.cancel_registration(registration=registration)

    page = client.get(f"/es/registrations/r/{registration.token}/")
    response = client.get(f"/es/registrations/r/{registration.token}/calendar.ics")

    assert 'id="ics-download"' not in page.content.decode()
    assert response.status_code == 404
    assert madrid_session.join_url not in response.content.decode()
