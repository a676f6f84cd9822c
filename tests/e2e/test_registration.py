"""A person registers in Spanish in Chromium, confirms from the e-mail, downloads the .ics and
cancels; the person on the waiting list is promoted and told by e-mail."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from icalendar import Calendar

from registrations import registering, seats
from registrations.models import Registration
from tests.factories import SessionFactory
from tests.registrations.helpers import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text_part(message):
    return next(part for part in message.walk() if part.get_content_type() == "text/plain").get_content()


def link_in(message, kind):
    match = re.search(rf"(http://\S+/registrations/r/[\w-]+/{kind})", text_part(message))
    assert match, text_part(message)
    return match.group(1)


def test_register_confirm_download_cancel_and_the_waitlisted_person_is_promoted(
    live_server, chromium_page, smtp_sink, settings
):
    settings.SITE_URL = live_server.url
    cache.clear()
    session = SessionFactory(capacity=1, title="Mecanismos inclusivos", time_zone="Europe/Madrid")
    page = chromium_page

    page.goto(f"{live_server.url}/es/sessions/{session.slug}/")
    page.locator("#register-button").click()
    page.wait_for_url(f"**/es/registrations/sessions/{session.slug}/register/")
    # registration.js picked the browser's country and zone (the fixture runs Chromium in Montevideo time).
    assert page.locator("#id_country").input_value() == "UY"
    assert page.locator("#id_time_zone").input_value() == "America/Montevideo"
    page.fill("#id_email", "Lucia.Fernandez@example.org")
    page.fill("#id_full_name", "Lucía Fernández O'Neill")
    # Uruguay lists no institution yet: no list to choose from (and no "Other" chosen for the
    # person), the name field instead.
    assert (page.locator("#div_id_institution").is_visible(), page.locator("#id_institution").input_value()) == (
        False,
        "",
    )
    page.fill("#id_institution_name", "Junta Nacional de Drogas")
    page.select_option("#id_language", "es")
    page.check("#id_consent")
    page.get_by_role("button", name="Inscribirme").click()

    page.wait_for_url(f"**/es/registrations/sessions/{session.slug}/register/done/")
    assert page.locator("h1").inner_text() == "Revise su correo"
    assert page.locator("#sent-to strong").inner_text() == "Lucia.Fernandez@example.org"
    assert [message["To"] for message in smtp_sink.messages] == ["Lucia.Fernandez@example.org"]

    page.goto(link_in(smtp_sink.messages[0], "confirm/"))
    page.get_by_role("button", name="Confirmar mi inscripción").click()

    page.wait_for_url("**/es/registrations/r/*/")
    assert page.locator("#registration-status").inner_text() == "Confirmada"
    assert page.locator("#join-link").inner_text() == session.join_url
    lucia = Registration.objects.get(email="Lucia.Fernandez@example.org")
    assert lucia.time_zone == "America/Montevideo"

    # Someone else confirms now: the only seat is taken, so they wait.
    waiting = seats.confirm_registration(
        registration=registering.register_participant(session=session, data=person("pedro@example.org"))
    )
    assert (waiting.status, seats.waitlist_position(waiting)) == ("waitlisted", 1)

    with page.expect_download() as download_info:
        page.click("#ics-download")
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    event = next(component for component in calendar.walk("VEVENT"))
    assert event.decoded("DTSTART") == session.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert str(event["LOCATION"]) == session.join_url

    page.get_by_role("link", name="Cancelar mi inscripción").click()
    page.get_by_role("button", name="Sí, cancelar mi inscripción").click()

    page.wait_for_url("**/es/registrations/r/*/")
    assert page.locator("#registration-status").inner_text() == "Cancelada"
    assert page.locator("#join-link").count() == 0

    promoted = [message for message in smtp_sink.messages if message["To"] == "pedro@example.org"][-1]
    assert promoted["Subject"].strip() == "Se ha liberado una plaza para usted: Mecanismos inclusivos"
    page.goto(link_in(promoted, ""))
    assert page.locator("#registration-status").inner_text() == "Confirmada"
    assert page.locator("#join-link").inner_text() == session.join_url
