import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S2_LINK = (
    "Session 2: Inclusive mechanisms to reduce the inequality gap of the population involved in minor drug offences"
)


def test_home_to_session_then_spanish_agenda(live_server, chromium_page):
    call_command("load_demo")
    page = chromium_page

    page.goto(f"{live_server.url}/en/")
    assert page.locator("h1").inner_text() == "Working group sessions"
    page.get_by_role("link", name=S2_LINK).click()

    page.wait_for_url("**/en/sessions/session-2-inclusive-mechanisms/")
    assert page.locator("#agenda h3").first.inner_text() == "Opening"
    # The browser's own zone (the fixture's context runs in Montevideo) is added by local-time.js.
    assert page.locator("#viewer-time").inner_text() == (
        "In your time zone (Montevideo): Wednesday, 10 May 2023, 10:30–12:00"
    )

    page.get_by_role("link", name="Español").click()

    page.wait_for_url("**/es/sessions/session-2-inclusive-mechanisms/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("#agenda h2").inner_text() == "Agenda"
    assert page.locator("#agenda h3").all_inner_texts() == [
        "Apertura",
        "Barreras para la inclusión de la población vinculada a delitos menores de drogas",
        "Impacto en la población vinculada a delitos menores de drogas: desafíos y palancas",
        "Experiencias de articulación del tejido institucional, social y empresarial para la generación de "
        "oportunidades en las distintas etapas del proceso",
        "Portugal · Descriminalización del consumo: la disuasión como abordaje no penal de la persona consumidora "
        "y oportunidades de inclusión social y laboral",
        "Uruguay · Inclusión de mujeres privadas de libertad",
        "México · Centros Juventud con Propósito",
        "Debate abierto",
        "Cierre",
    ]
    assert page.locator("#agenda .badge").first.inner_text() == "Apertura"
    assert page.locator("#viewer-time").inner_text().startswith("En su zona horaria (Montevideo): ")
