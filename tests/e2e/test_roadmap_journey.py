"""Issue 22's journey in Chromium: Uruguay's focal point marks an action "in progress" with a note in
Spanish; the public roadmap shows it; a visitor searches "mujeres privadas" and reaches Uruguay's
presentation on the session page."""

from datetime import date

import pytest
from django.core.management import call_command

from registrations.models import FocalPoint
from sessions_app.models import RoadmapItem, RoadmapUpdate
from tests.e2e.site_pages import PASSWORD, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_focal_point_reports_progress_and_a_visitor_finds_uruguays_presentation(live_server, _chromium, settings):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    from allauth.account.models import EmailAddress

    user = UserFactory(username="fp-uy-journey", email="punto.focal@mides.gub.uy", first_name="Rosa")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    FocalPoint.objects.create(user=user, country="UY")
    action = RoadmapItem.objects.get(owner_kind="country", owner_country="MX")
    # An action of Uruguay's still planned: the focal point moves it forward.
    action.owner_country = "UY"
    action.title_es = "Documentar el programa de inclusión laboral del INR"
    action.due_date = date(2099, 6, 30)
    action.save()

    context = _chromium.new_context(locale="es-UY", timezone_id="America/Montevideo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, user.email, language="es")
        page.goto(f"{live_server.url}/es/focal-point/")
        card = page.locator(f"#action-{action.pk}")
        assert card.locator(".roadmap-status").inner_text() == "Prevista"
        card.get_by_role("link", name="Informar del avance").click()

        page.get_by_role("heading", name="Informar del avance").wait_for()
        page.get_by_label("En curso").check()
        page.fill("textarea[name=note]", "Convenio firmado con el INR; primeras 12 mujeres en formación laboral.")
        page.get_by_role("button", name="Guardar el informe de avance").click()

        assert page.get_by_role("status").first.inner_text() == (
            "Tu informe de avance se ha guardado y se muestra en la hoja de ruta pública."
        )
        update = RoadmapUpdate.objects.get(item=action)
        assert (update.from_status, update.to_status, update.language) == ("planned", "in_progress", "es")
    finally:
        context.close()

    visitor = _chromium.new_context(locale="es-ES", timezone_id="Europe/Madrid")
    page = visitor.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/es/roadmap/outcome-3-5/?country=UY")
        card = page.locator(f"#action-{action.pk}")
        assert card.locator(".roadmap-status").inner_text() == "En curso"
        assert card.locator(".roadmap-note").inner_text() == (
            "Convenio firmado con el INR; primeras 12 mujeres en formación laboral."
        )
        assert page.locator("#status-in_progress").is_visible()

        page.fill("#site-search-q", "mujeres privadas")
        page.locator("form.site-search button[type=submit]").click()
        page.locator("#results-agenda").wait_for()
        result = page.locator("#results-agenda .search-result a").first
        assert result.inner_text() == "Uruguay · Inclusión de mujeres privadas de libertad"
        assert page.locator("#results-agenda mark").all_inner_texts() == ["mujeres", "privadas"]
        result.click()

        page.wait_for_url("**/es/sessions/session-2-inclusive-mechanisms/#item-*")
        item = page.locator(page.url[page.url.index("#") :])
        assert item.locator("h3").inner_text() == "Uruguay · Inclusión de mujeres privadas de libertad"
        assert item.is_visible()
    finally:
        visitor.close()
