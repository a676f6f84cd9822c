import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from registrations.models import Registration
from sessions_app.calendar import session_calendar
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
JOIN_URL = "https://zoom.us/meeting/register/tJcucOqsqDwrG9Vm3GLKhKX81Mg-vplzhi5D"
pytestmark = pytest.mark.django_db


@pytest.fixture
def session2():
    return SessionFactory(
        number=2,
        slug="session-2",
        title="Inclusive mechanisms, ; and \\ escapes",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID),
        duration_minutes=90,
        status=Session.Status.HELD,
        join_url=JOIN_URL,
    )


def only_event(ics):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_public_calendar_gives_the_utc_instant_duration_and_iana_zone(session2, settings):
    settings.SITE_URL = "https://wg.copolad.example"
    calendar, event = only_event(session_calendar(session2))

    assert event.decoded("dtstart").astimezone(UTC) == datetime(2023, 5, 10, 13, 30, tzinfo=UTC)
    assert event["dtstart"].params["TZID"] == "Europe/Madrid"
    assert event.decoded("duration") == timedelta(minutes=90)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]
    assert str(event["uid"]) == f"{session2.uid}@copolad-wg"
    assert event["sequence"] == 0
    assert str(calendar["method"]) == "PUBLISH"
    assert str(event["summary"]) == "COPOLAD III · Session 2: Inclusive mechanisms, ; and \\ escapes"
    assert str(event["url"]) == "https://wg.copolad.example/en/sessions/session-2/"
    assert str(event["organizer"]) == "mailto:noreply@copolad.local"
    assert "attendee" not in event
    assert JOIN_URL.encode() not in session_calendar(session2)


def test_sequence_follows_the_session_and_uid_stays(session2):
    Session.objects.filter(pk=session2.pk).update(ics_sequence=3)
    session2.refresh_from_db()

    _calendar, event = only_event(session_calendar(session2))

    assert event["sequence"] == 3
    assert str(event["uid"]) == f"{session2.uid}@copolad-wg"


def test_confirmed_registration_gets_a_published_event_with_the_join_link_and_nobody_to_reply_to(session2):
    registration = RegistrationFactory(
        session=session2,
        email="ana@example.org",
        full_name="Ana Núñez",
        status=Registration.Status.CONFIRMED,
        language="es",
    )

    calendar, event = only_event(session_calendar(session2, registration=registration))

    assert str(calendar["method"]) == "PUBLISH"
    assert "attendee" not in event  # no Accept/Decline, so no reply bounces off a no-reply organiser
    assert str(event["location"]) == JOIN_URL
    assert str(event["description"]).split("\n\n")[2] == f"Enlace para unirse a la sesión: {JOIN_URL}"


@pytest.mark.parametrize("status", [Registration.Status.PENDING, Registration.Status.WAITLISTED])
def test_unconfirmed_registration_gets_no_join_link(session2, status):
    registration = RegistrationFactory(session=session2, status=status)

    ics = session_calendar(session2, registration=registration)

    calendar, event = only_event(ics)
    assert str(calendar["method"]) == "PUBLISH"
    assert "attendee" not in event
    assert JOIN_URL.encode() not in ics


def test_public_calendar_view_serves_the_file_without_the_join_link(client, session2):
    response = client.get("/pt/sessions/session-2/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="session-2.ics"'
    assert JOIN_URL.encode() not in response.content
    _calendar, event = only_event(response.content)
    assert str(event["url"]).endswith("/pt/sessions/session-2/")
    assert str(event["summary"]) == "COPOLAD III · Sessão 2: Inclusive mechanisms, ; and \\ escapes"


def test_with_a_replies_mailbox_the_file_is_an_invitation_organised_by_that_mailbox(session2, settings):
    settings.CALENDAR_ORGANIZER_EMAIL = "sessions@copolad.example"
    settings.DEFAULT_FROM_EMAIL = "COPOLAD III <no-reply@copolad.example>"
    registration = RegistrationFactory(
        session=session2, email="ana@example.org", full_name="Ana Núñez", status=Registration.Status.CONFIRMED
    )

    calendar, event = only_event(session_calendar(session2, registration=registration))

    assert str(calendar["method"]) == "REQUEST"
    assert str(event["organizer"]) == "mailto:sessions@copolad.example"
    assert event["organizer"].params["CN"] == "COPOLAD III"
    assert str(event["attendee"]) == "mailto:ana@example.org"


def test_without_a_replies_mailbox_no_file_asks_for_a_reply(session2, settings):
    settings.CALENDAR_ORGANIZER_EMAIL = ""
    confirmed = RegistrationFactory(session=session2, status=Registration.Status.CONFIRMED)

    methods = {
        str(only_event(session_calendar(session2, registration=confirmed))[0]["method"]),
        str(only_event(session_calendar(session2))[0]["method"]),
    }

    assert methods == {"PUBLISH"}


def test_web_calendar_links_carry_the_session_s_public_facts_only(session2, client):
    from urllib.parse import parse_qs, urlsplit

    from sessions_app.calendar import web_calendar_links

    links = web_calendar_links(session2)

    google = parse_qs(urlsplit(links["google"]).query)
    assert urlsplit(links["google"]).netloc == "calendar.google.com"
    assert google["dates"] == ["20230510T133000Z/20230510T150000Z"]
    assert google["ctz"] == ["Europe/Madrid"]
    outlook = parse_qs(urlsplit(links["outlook"]).query)
    assert (outlook["startdt"], outlook["enddt"]) == (["2023-05-10T13:30:00Z"], ["2023-05-10T15:00:00Z"])
    assert urlsplit(links["office"]).netloc == "outlook.office.com"
    assert all(JOIN_URL not in link for link in links.values())


def test_the_session_page_and_the_private_page_offer_the_web_calendars_beside_the_ics(session2, client):
    session2.status = Session.Status.REGISTRATION_OPEN
    session2.starts_at = datetime(2030, 5, 10, 13, 30, tzinfo=UTC)
    session2.save()
    registration = RegistrationFactory(session=session2, status=Registration.Status.CONFIRMED)

    public = client.get(f"/es/sessions/{session2.slug}/").content.decode()
    private = client.get(f"/es/registrations/r/{registration.token}/").content.decode()

    for page in (public, private):
        ids = re.findall(r'id="(google-calendar|outlook-calendar|office-calendar)"', page)
        assert ids == ["google-calendar", "outlook-calendar", "office-calendar"]
        assert JOIN_URL not in re.search(r'<ul class="list-inline mb-0 web-calendars">.*?</ul>', page, re.S).group(0)
