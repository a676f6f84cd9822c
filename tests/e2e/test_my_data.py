"""A participant downloads their data and deletes it, in Spanish, from their private page in Chromium."""

import json

import pytest

from registrations.models import Registration
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_participant_downloads_then_deletes_their_data_in_spanish(live_server, chromium_page, tmp_path):
    session = SessionFactory(title="Mecanismos inclusivos", capacity=1)
    registration = RegistrationFactory(
        session=session,
        email="lucia@example.org",
        full_name="Lucía Fernández",
        status=Registration.Status.CONFIRMED,
        language="es",
    )
    waiting = RegistrationFactory(session=session, status=Registration.Status.WAITLISTED)
    page = chromium_page

    page.goto(f"{live_server.url}/es/registrations/r/{registration.token}/")
    assert page.locator("#data-rights-title").inner_text() == "Mis datos"

    page.get_by_role("link", name="Ver mis datos").click()
    page.wait_for_url(f"**/es/registrations/r/{registration.token}/my-data/")
    assert page.locator("h1").inner_text() == "Mis datos"
    assert page.get_by_text("Lucía Fernández").count() >= 1
    with page.expect_download() as download_info:
        page.locator("#download-json").click()
    saved = tmp_path / "mis-datos.json"
    download_info.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert [(item["email"], item["full_name"]) for item in data["registrations"]] == [
        ("lucia@example.org", "Lucía Fernández")
    ]

    page.get_by_role("link", name="Eliminar mis datos").first.click()
    page.wait_for_url(f"**/es/registrations/r/{registration.token}/my-data/delete/")
    assert page.locator("#registrations-to-delete li").all_inner_texts() == ["Mecanismos inclusivos · Confirmada"]
    page.get_by_role("button", name="Sí, eliminar mis datos").click()

    page.wait_for_url("**/es/registrations/data-deleted/")
    assert page.locator("h1").inner_text() == "Sus datos han sido eliminados"
    assert page.locator("[role=status]").inner_text() == "Sus datos personales se han eliminado de 1 inscripción."
    stored = Registration.objects.get(pk=registration.pk)
    assert (stored.email, stored.full_name, stored.token, stored.status) == ("", "", None, "cancelled")
    assert Registration.objects.get(pk=waiting.pk).status == Registration.Status.CONFIRMED

    page.goto(f"{live_server.url}/es/registrations/r/{registration.token}/")
    assert page.locator("h1").inner_text() != "Mis datos"
    assert "Lucía" not in page.content()
