"""The session's admin page fits a 1280-px screen (no sideways scroll) and staff edit an objective
in Spanish through its language tab, under the portal's strict Content-Security-Policy."""

import pytest
from django.core.management import call_command

from sessions_app.models import Session
from tests.e2e.test_console_clean import _session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_session_change_form_fits_1280_px_and_an_objective_is_edited_in_spanish(live_server, chromium_page, staff):
    call_command("load_demo")
    session = Session.objects.get(slug="session-2-inclusive-mechanisms")
    objective = session.objectives.order_by("order", "pk").first()
    page = chromium_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.context.add_cookies([_session_cookie(staff, live_server)])
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/admin/sessions_app/session/{session.pk}/change/")
    page.wait_for_load_state("networkidle")

    assert page.evaluate("document.documentElement.scrollWidth") == 1280
    # Each inline table fits its box too: nothing is hidden to the right of a row.
    overflowing = page.evaluate(
        "[...document.querySelectorAll('.inline-group .tabular')].filter(e => e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.closest('.inline-group').id)"
    )
    assert overflowing == []

    row = page.locator("#objectives-0")
    row.get_by_role("tab", name="ES").click()
    spanish = page.locator("#id_objectives-0-text_es")
    assert spanish.is_visible()
    assert not page.locator("#id_objectives-0-text_en").is_visible()
    spanish.fill("Consolidar el grupo de trabajo y su hoja de ruta")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state("networkidle")

    objective.refresh_from_db()
    assert objective.text_es == "Consolidar el grupo de trabajo y su hoja de ruta"
    assert errors == []
