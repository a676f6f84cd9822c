"""Registration and cancellation completed with the keyboard alone, on a phone, in Spanish, from
Bogotá: the browser's zone picks the country and zone, and cancelling takes a deliberate second step."""

import re

import pytest

from registrations.models import Delivery, Registration
from tests.factories import SessionFactory
from tests.support.sent import as_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector, limit=120):
    """Press Tab until the focused element matches ``selector``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_register_confirm_and_cancel_with_the_keyboard_alone(live_server, _chromium, settings):
    settings.SITE_URL = live_server.url
    session = SessionFactory(title_es="Mecanismos inclusivos", time_zone="Europe/Madrid")
    context = _chromium.new_context(
        locale="es-CO", timezone_id="America/Bogota", viewport={"width": 390, "height": 844}, has_touch=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/es/sessions/{session.slug}/")
        tab_to(page, "#register-button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/register/")

        tab_to(page, "#id_email")
        page.keyboard.type("lucia@example.org")
        tab_to(page, "#id_full_name")
        page.keyboard.type("Lucía Fernández")
        # Colombia and its one zone came from the browser; no institution of Colombia is listed yet,
        # so "Other" is chosen and its name field is the next stop.
        assert page.locator("#id_country").input_value() == "CO"
        assert page.locator("#div_id_time_zone").is_hidden()
        tab_to(page, "#id_institution_name")
        page.keyboard.type("Ministerio de Justicia y del Derecho")
        assert page.locator("#div_id_gender_self_described").is_hidden()
        tab_to(page, "#id_consent")
        page.keyboard.press("Space")
        tab_to(page, "form.registration-form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/register/done/")

        registration = Registration.objects.get(email="lucia@example.org")
        assert (registration.country.code, registration.time_zone, registration.institution_name) == (
            "CO",
            "America/Bogota",
            "Ministerio de Justicia y del Derecho",
        )
        # What the person receives: the stored row holds a placeholder where the key goes.
        body = as_sent(Delivery.objects.get(kind="registration_confirm")).body_text
        page.goto(re.search(r"http://\S+/confirm/", body).group(0))
        tab_to(page, 'form[action$="/confirm/"] button')
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/registrations/r/{registration.token}/")
        assert page.locator("#registration-status").inner_text() == "Confirmada"

        tab_to(page, "#cancel-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/cancel/")
        assert page.locator("h1").inner_text() == "¿Cancelar mi inscripción?"
        registration.refresh_from_db()
        assert registration.status == "confirmed"  # reaching the step changes nothing
        tab_to(page, "form button.btn-danger")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/registrations/r/{registration.token}/")
        assert page.locator("#registration-status").inner_text() == "Cancelada"
    finally:
        context.close()


def test_a_form_with_errors_moves_focus_to_the_summary(live_server, _chromium):
    session = SessionFactory()
    context = _chromium.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/pt/registrations/sessions/{session.slug}/register/")
        assert page.locator("#id_country").input_value() == "BR"
        assert page.locator("#id_time_zone").input_value() == "America/Sao_Paulo"
        page.locator("form.registration-form button[type=submit]").press("Enter")
        page.wait_for_selector("#error-summary")

        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = page.locator("#error-summary a").all_inner_texts()
        assert links[0].startswith("E-mail:")
        assert any(link.startswith("Eu li o aviso de privacidade") or "consentimento" in link for link in links)
    finally:
        context.close()
