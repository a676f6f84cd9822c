"""Staff type times in the session's zone, and each date-time field says which zone that is."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from registrations.models import Mailing
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_session_form_names_the_sessions_zone_beside_its_times(client, staff):
    session = SessionFactory(
        time_zone="Europe/Madrid", starts_at=datetime(2027, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    )
    client.force_login(staff)

    page = client.get(
        reverse("admin:sessions_app_session_change", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert 'name="starts_at_1" value="15:30:00"' in page
    assert page.count('<span class="zone-note">hora de Madrid, UTC+02:00</span>') == 1
    assert page.count('<span class="zone-note">hora de Madrid') == 3  # start, registration opens, closes


def test_send_at_is_typed_in_the_sessions_zone_and_says_so(client, staff):
    session = SessionFactory(time_zone="America/Mexico_City")
    client.force_login(staff)
    url = reverse("admin:registrations_mailing_add")

    page = client.get(f"{url}?session={session.pk}", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert '<span class="zone-note">horário de Cidade do México, UTC-06:00</span>' in page

    client.post(
        url,
        {
            "session": session.pk,
            "kind": "custom",
            "audience": "registrants",
            "scheduled_at_0": "2027-05-10",
            "scheduled_at_1": "10:00",
            "subject_en": "News",
            "body_en": "Dear colleagues,",
            "_save": "1",
        },
    )
    assert Mailing.objects.get(session=session).scheduled_at == datetime(2027, 5, 10, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "zone_text"), [("es", "hora de Madrid, UTC+02:00"), ("pt", "horário de Madrid, UTC+02:00")]
)
def test_the_session_list_shows_each_start_in_its_zone_by_its_city(client, staff, language, zone_text):
    SessionFactory(
        title="Mecanismos inclusivos",
        time_zone="Europe/Madrid",
        starts_at=datetime(2023, 5, 10, 13, 30, tzinfo=UTC),
    )
    client.force_login(staff)

    page = client.get(reverse("admin:sessions_app_session_changelist"), HTTP_ACCEPT_LANGUAGE=language)

    cell = page.content.decode().split('class="field-local_start">', 1)[1].split("</td>", 1)[0]
    assert cell == f'10/05/2023 15:30<br><span class="help">{zone_text}</span>'
