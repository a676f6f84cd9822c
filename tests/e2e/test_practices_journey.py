"""A good practice from a focal point's phone to the public catalogue, in three languages.

A focal point of Uruguay proposes a practice in Portuguese at 390 px; staff, in Spanish, send it
back with a message, the focal point submits it again and staff publish it; a visitor finds it by
filtering on Uruguay and prison."""

import pytest
from django.core.management import call_command

from sessions_app.outcomes.practices.models import Practice
from tests.e2e.test_console_clean import _session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Oficinas de costura para mulheres privadas de liberdade"


def _context(browser, live_server, *, user=None, locale, width):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 844})
    if user is not None:
        context.add_cookies([_session_cookie(user, live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_a_practice_goes_from_a_focal_points_phone_to_the_catalogue(
    live_server, _chromium, focal_point_uruguay, staff, settings
):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url

    # A focal point of Uruguay, in Portuguese, on a phone.
    context, page = _context(_chromium, live_server, user=focal_point_uruguay.user, locale="pt-BR", width=390)
    page.goto(f"{base}/pt/focal-point/")
    page.locator("#propose-practice").click()
    assert page.locator("h1").inner_text() == "Propor uma boa prática"
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "Oficinas de trabalho e formação para mulheres em reclusão.")
    page.select_option("#id_stage", "prison")
    page.select_option("#id_practice_type", "programme")
    page.locator("input[name=themes][value]").first.check()
    page.get_by_label("Mulheres").check()
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.locator("#submit-practice").click()
    page.wait_for_url(f"{base}/pt/focal-point/")
    practice = Practice.objects.get(title_pt=TITLE)
    assert (practice.status, practice.country.code, practice.original_language) == ("submitted", "UY", "pt")
    assert page.locator("#country-practices .practice-status[data-status=submitted]").count() == 1

    # Staff, in Spanish, send it back with a message.
    staff_context, admin = _context(_chromium, live_server, user=staff, locale="es-ES", width=1280)
    admin.goto(f"{base}/admin/practices/practice/{practice.pk}/change/")
    admin.fill("#id_review_message", "Indique las instituciones que la implementan.")
    admin.locator("input[name=_send_back]").click()
    admin.wait_for_load_state()
    assert admin.locator(".messagelist").inner_text().strip() == (
        "La práctica se devolvió; se escribió a sus puntos focales."
    )
    practice.refresh_from_db()
    assert practice.status == "returned"

    # The focal point reads the message and submits again.
    page.goto(f"{base}/pt/focal-point/")
    assert "Indique las instituciones que la implementan." in page.locator("#country-practices").inner_text()
    page.locator(f"#country-practices a:has-text('{TITLE}')").click()
    assert page.locator("#review-message").is_visible()
    page.locator("#submit-practice").click()
    page.wait_for_url(f"{base}/pt/focal-point/")
    practice.refresh_from_db()
    assert practice.status == "submitted"

    # Staff publish it.
    admin.goto(f"{base}/admin/practices/practice/{practice.pk}/change/")
    admin.locator("input[name=_publish]").click()
    admin.wait_for_load_state()
    practice.refresh_from_db()
    assert practice.status == "published"
    staff_context.close()
    context.close()

    # A visitor, in Spanish, filters on Uruguay and prison.
    visitor_context, visitor = _context(_chromium, live_server, locale="es-ES", width=390)
    visitor.goto(f"{base}/es/practices/")
    visitor.select_option("#filter-country", "UY")
    visitor.select_option("#filter-stage", "prison")
    visitor.get_by_role("button", name="Mostrar prácticas").click()
    visitor.wait_for_load_state()
    assert "country=UY" in visitor.url and "stage=prison" in visitor.url
    titles = visitor.locator(".practice-card h2").all_inner_texts()
    assert sorted(titles) == sorted([TITLE, "Proyecto Crisálidas: inclusión de mujeres privadas de libertad"])
    assert visitor.locator("#filter-country option[value=UY]").inner_text() == "Uruguay (2)"
    visitor.locator(f".practice-card a:has-text('{TITLE}')").click()
    assert visitor.locator(".language-note").inner_text() == (
        "Esta práctica está escrita en portugués; todavía no se ha traducido."
    )
    assert visitor.evaluate("document.documentElement.scrollWidth") == 390
    visitor_context.close()
