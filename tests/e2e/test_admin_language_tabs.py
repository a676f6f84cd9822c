"""The language tabs of translated fields speak the staff member's language, in Chromium at 1280 px:
the switch beside the page title opens on their language and names it ("Español", not "EN"), and an
error on a language tab that is not open marks that tab and is named, with its language, at the top."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from sessions_app.models import Session
from tests.e2e.test_console_clean import _session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each language's own name for the three languages, for the label of the switch, and how a tab with an error is named.
SWITCH = {
    "es": ("Textos en", ["Inglés", "Español", "Portugués"], "Español"),
    "pt": ("Textos em", ["Inglês", "Espanhol", "Português"], "Português"),
}


def open_session_form(page, live_server, staff, language):
    page.context.add_cookies(
        [_session_cookie(staff, live_server), {"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    session = Session.objects.get(slug="session-2-inclusive-mechanisms")
    page.goto(live_server.url + reverse("admin:sessions_app_session_change", args=[session.pk]))
    page.wait_for_load_state("networkidle")
    return session


@pytest.mark.parametrize("language", ["es", "pt"])
def test_the_language_switch_beside_the_title_opens_on_the_staff_language_and_names_it(
    live_server, chromium_page, staff, language
):
    call_command("load_demo")
    page = chromium_page
    open_session_form(page, live_server, staff, language)
    label, names, own = SWITCH[language]

    switch = page.locator("#content h1 #modeltranslation-main-switch")
    assert switch.locator("option").all_inner_texts() == names
    assert switch.evaluate("select => select.selectedOptions[0].textContent") == own
    assert switch.evaluate("select => getComputedStyle(select).textTransform") == "none"
    assert page.locator("#content h1 label[for=modeltranslation-main-switch]").inner_text() == label
    # The tabs are open on that language too: the session's title is shown in it.
    assert page.locator(f"#id_title_{language}").is_visible()
    assert not page.locator("#id_title_en").is_visible()

    # Choosing English in the switch opens every tab on English.
    switch.select_option(label=names[0])
    assert page.locator("#id_title_en").is_visible()
    assert page.locator("#id_objectives-0-text_en").is_visible()


def test_an_error_on_a_closed_language_tab_marks_the_tab_and_is_named_with_its_language_at_the_top(
    live_server, chromium_page, staff
):
    call_command("load_demo")
    page = chromium_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_session_form(page, live_server, staff, "es")
    # The English title of the first agenda item, on a tab that is not open while staff work in Spanish,
    # gets a text longer than the field takes (as a paste would; the browser's limit is lifted).
    page.evaluate(
        "() => { const field = document.querySelector('#id_agenda_items-0-title_en');"
        " field.removeAttribute('maxlength'); field.value = 'x'.repeat(400); }"
    )
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state("networkidle")

    summary = page.locator(".error-summary li")
    assert summary.all_inner_texts() == [
        "Punto de la agenda 1 · Título (Inglés): Asegúrese de que este valor tenga menos de 300 caracteres (tiene 400)."
    ]
    row = page.locator("#agenda_items-0")
    english, spanish = row.get_by_role("tab", name="en"), row.get_by_role("tab", name="es", exact=True)
    assert spanish.get_attribute("aria-selected") == "true"
    assert english.get_attribute("aria-selected") == "false"
    assert "ui-tab-has-errors" in english.get_attribute("class").split()
    # Marked so a person sees it (the admin's error red) and a screen reader hears it.
    link = english.locator("a")
    assert link.evaluate("a => getComputedStyle(a).color") == page.evaluate(
        "getComputedStyle(document.querySelector('.errornote')).color"
    )
    assert link.evaluate("a => a.textContent") == "en (tiene un error)"
    assert spanish.locator("a").evaluate("a => a.textContent") == "es"

    # The name in the summary leads to the field: its tab opens.
    page.locator(".error-summary a").click()
    assert english.get_attribute("aria-selected") == "true"
    assert page.locator("#id_agenda_items-0-title_en").is_visible()
    assert errors == []
