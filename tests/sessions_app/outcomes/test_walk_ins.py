"""People in the attendance report who never registered become registrations in one step."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from registrations.models import Registration
from sessions_app.outcomes import documents
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

REPORT = (
    "Nombre,Correo electrónico,Duración (minutos)\n"
    "Lucía Pérez,lucia@example.org,80\n"
    "Walk In,walkin@example.org,70\n"
    "Brief Visitor,brief@example.org,10\n"
).encode()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_rows_that_match_nobody_become_attended_walk_in_registrations_with_the_minimum_applied(client, staff):
    session = SessionFactory(duration_minutes=90, certificate_min_percent=50)
    RegistrationFactory(session=session, email="lucia@example.org", full_name="Lucía Pérez")
    client.force_login(staff)
    url = f"/admin/sessions_app/conclusions/attendance/{session.pk}/"

    page = client.post(url, {"upload": "1", "file": SimpleUploadedFile("r.csv", REPORT)}).content.decode()
    assert re.findall(r'name="walkin-(\d+)-email" value="([^"]+)"', page) == [
        ("0", "walkin@example.org"),
        ("1", "brief@example.org"),
    ]

    response = client.post(
        url,
        {
            "walk_ins": "1",
            "walkin-TOTAL_FORMS": "2",
            "walkin-INITIAL_FORMS": "2",
            "walkin-0-add": "on",
            "walkin-0-email": "walkin@example.org",
            "walkin-0-full_name": "Walk In",
            "walkin-0-country": "MX",
            "walkin-0-minutes": "70",
            "walkin-1-add": "on",
            "walkin-1-email": "brief@example.org",
            "walkin-1-full_name": "Brief Visitor",
            "walkin-1-country": "BR",
            "walkin-1-minutes": "10",
        },
        follow=True,
    )

    walk_ins = Registration.objects.filter(session=session, source=Registration.Source.STAFF).order_by("email")
    assert [
        (
            r.email,
            r.full_name,
            r.country.code,
            r.language,
            r.status,
            r.attended_minutes,
            r.registered_by,
        )
        for r in walk_ins
    ] == [
        ("brief@example.org", "Brief Visitor", "BR", "pt", "attended", 10, staff),
        ("walkin@example.org", "Walk In", "MX", "es", "attended", 70, staff),
    ]
    assert [r.consent_given_at for r in walk_ins] == [None, None]
    assert list(documents.certificate_holders(session).filter(source="staff")) == [walk_ins[1]]
    body = response.content.decode()
    assert "2 people who joined without registering are now registered as attended." in body
    assert "1 of them attended less than the minimum and gets no certificate." in body
    assert "None: Attended 10 of 90 minutes; this session&#x27;s certificates need 50% (45 minutes)." in body


def test_a_walk_in_needs_a_country_and_nothing_is_saved_without_it(client, staff):
    session = SessionFactory()
    client.force_login(staff)
    url = f"/admin/sessions_app/conclusions/attendance/{session.pk}/"

    response = client.post(
        url,
        {
            "walk_ins": "1",
            "walkin-TOTAL_FORMS": "1",
            "walkin-INITIAL_FORMS": "1",
            "walkin-0-add": "on",
            "walkin-0-email": "walkin@example.org",
            "walkin-0-full_name": "Walk In",
            "walkin-0-country": "",
            "walkin-0-minutes": "70",
        },
    )

    assert "Choose the person&#x27;s country to register them." in response.content.decode()
    assert Registration.objects.filter(session=session).count() == 0
