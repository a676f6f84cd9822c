"""What a session page tells machines: schema.org Event JSON-LD and the link-preview tags."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def session_2():
    return SessionFactory(
        number=2,
        slug="session-2-inclusive-mechanisms",
        title="Inclusive mechanisms",
        status="held",
        time_zone="Europe/Madrid",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid")),
        duration_minutes=90,
        format="virtual",
        languages="Spanish, English (interpretation)",
        join_url="https://zoom.us/meeting/register/secret-link",
        main_outcome="Consolidate the multi-country working group.",
    )


def _json_ld(client, session, language="en"):
    page = client.get(f"/{language}/sessions/{session.slug}/").content.decode()
    (found,) = SCRIPT.findall(page)
    return json.loads(found), page


def test_the_json_ld_parses_and_has_session_2s_start_with_its_offset(client, session_2, settings):
    data, page = _json_ld(client, session_2)
    url = f"{settings.SITE_URL}/en/sessions/session-2-inclusive-mechanisms/"

    assert data["@type"] == "Event"
    assert data["startDate"] == "2023-05-10T15:30:00+02:00"
    assert data["endDate"] == "2023-05-10T17:00:00+02:00"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"] == {"@type": "VirtualLocation", "url": url}
    assert data["organizer"] == {"@type": "Organization", "name": "COPOLAD III", "url": f"{settings.SITE_URL}/"}
    assert data["inLanguage"] == ["en", "es"]
    assert "secret-link" not in page


@pytest.mark.parametrize(
    ("changes", "status"),
    [({"status": "cancelled"}, "EventCancelled"), ({"ics_sequence": 1}, "EventRescheduled")],
)
def test_a_cancelled_or_moved_session_says_so(client, session_2, changes, status):
    for name, value in changes.items():
        setattr(session_2, name, value)
    session_2.save()
    data, _page = _json_ld(client, session_2)
    assert data["eventStatus"] == f"https://schema.org/{status}"


def test_typed_markup_cannot_end_the_script(client, session_2):
    session_2.title = 'Evil </script><script>alert(1)</script> & "quotes"'
    session_2.save()
    data, page = _json_ld(client, session_2)
    assert data["name"] == 'Evil </script><script>alert(1)</script> & "quotes"'
    assert page.count("<script>alert(1)") == 0


def test_the_link_preview_shows_title_date_and_description(client, session_2, settings):
    page = client.get(f"/es/sessions/{session_2.slug}/").content.decode()
    assert '<meta property="og:title" content="Inclusive mechanisms">' in page
    assert f'<meta property="og:url" content="{settings.SITE_URL}/es/sessions/{session_2.slug}/">' in page
    assert '<meta property="og:locale" content="es_ES">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    description = re.search(r'<meta property="og:description" content="([^"]*)">', page).group(1)
    assert description.startswith("Miércoles, 10 de mayo de 2023, 15:30–17:00 (hora de Madrid, UTC+02:00) · Virtual")


def test_a_draft_preview_has_no_preview_tags(client, staff):
    draft = SessionFactory(status="draft", slug="draft")
    client.force_login(staff)
    page = client.get(f"/en/sessions/{draft.slug}/").content.decode()
    assert "og:title" not in page
    assert SCRIPT.findall(page) == []
