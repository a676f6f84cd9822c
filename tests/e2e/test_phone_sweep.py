"""The phone sweep: at 360 and 390 px the focal-point pages and "my data" never scroll sideways,
no table is wider than its box, and every target a thumb must hit is at least 44 px high.

Links inside a sentence are exempt (WCAG 2.5.8's inline exception); standalone links, buttons,
tabs, fields and check boxes are not.
"""

import pytest
from django.conf import settings
from django.test import Client

from registrations.focal_points.nominations import nominate
from tests.factories import (
    DeliveryFactory,
    GuidingQuestionFactory,
    InstitutionFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const visible = (element) => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && !element.closest("[hidden]");
  };
  const tables = [...document.querySelectorAll("main table")].filter(visible).map((table) => ({
    id: table.id || table.className,
    width: table.getBoundingClientRect().width,
    box: table.parentElement.getBoundingClientRect().width,
  })).filter((table) => table.width > table.box + 0.5);
  const inline = (element) => {
    if (element.tagName !== "A") return false;
    const parent = element.parentElement;
    return parent.textContent.trim() !== element.textContent.trim() && getComputedStyle(element).display === "inline";
  };
  const small = [...document.querySelectorAll(
    "main a, main button, main select, main input:not([type=hidden]), main textarea, main summary, " +
    "footer a, header a, header button"
  )].filter(visible).filter((element) => !inline(element)).map((element) => ({
    what: element.tagName + " " + (element.id || element.name || element.textContent.trim().slice(0, 40)),
    height: Math.round(element.getBoundingClientRect().height * 10) / 10,
  })).filter((target) => target.height < 44 && !(target.what.startsWith("INPUT") && target.height >= 24));
  return {scroll: document.documentElement.scrollWidth, width, tables, small};
}"""


@pytest.fixture
def world(db, focal_point_uruguay):
    session = SessionFactory(
        slug="alternativas", title="Alternativas al encarcelamiento para delitos menores de drogas"
    )
    GuidingQuestionFactory(session=session, text="¿Qué mecanismos de inclusión aplica su país?")
    institution = InstitutionFactory(
        country="UY", name="Institución Nacional de Rehabilitación y Reinserción Social", acronym="INR"
    )
    InstitutionFactory(
        country="UY", name="Ministerio de Desarrollo Social", acronym="MIDES", contact_email="a" * 40 + "@example.org"
    )
    nomination = nominate(
        session=session,
        focal_point=focal_point_uruguay,
        data={"full_name": "María José O'Connor-Núñez", "email": "maria.jose.oconnor.nunez@example.org",
              "institution": institution, "language": "es"},
    )  # fmt: skip
    RegistrationFactory(session=session, country="UY", institution=institution, email="b" * 50 + "@example.org")
    participant = RegistrationFactory(
        session=session, email="lucia@example.org", full_name="Lucía Fernández", status="confirmed", language="es"
    )
    DeliveryFactory(registration=participant, to_email=participant.email, kind="registration_confirm", status="sent")
    return {"session": session, "institution": institution, "nomination": nomination, "participant": participant}


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip


WIDTHS = [360, 390]


def test_focal_point_pages_and_my_data_fit_a_phone(live_server, chromium_page, focal_point_uruguay, world):
    """Each page is loaded once at 360 px, measured, then laid out again at 390 px (media queries
    apply again without a reload) and measured."""
    page = chromium_page
    _sign_in(page, live_server, focal_point_uruguay.user)
    paths = [
        "/es/focal-point/",
        "/es/focal-point/institutions/",
        "/es/focal-point/institutions/new/",
        f"/es/focal-point/institutions/{world['institution'].pk}/edit/",
        "/es/focal-point/registrations/",
        "/es/focal-point/sessions/alternativas/nominate/",
        "/es/focal-point/sessions/alternativas/nominate/bulk/",
        "/es/focal-point/sessions/alternativas/answers/",
        f"/es/focal-point/nominations/{world['nomination'].pk}/edit/",
        f"/es/focal-point/nominations/{world['nomination'].pk}/withdraw/",
        f"/es/registrations/r/{world['participant'].token}/my-data/",
        f"/pt/registrations/r/{world['participant'].token}/my-data/",
    ]
    problems = {}
    for path in paths:
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        page.goto(live_server.url + path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            found = page.evaluate(MEASURE)
            if found["scroll"] != width or found["tables"] or found["small"]:
                problems[f"{width} px {path}"] = found

    assert problems == {}


def test_the_public_pages_small_links_are_thumb_sized(live_server, chromium_page):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    page = chromium_page
    links = {
        "/es/": "o descargarlo (.ics)",
        "/es/sessions/session-3-alternatives-to-imprisonment/": "Hora en cada país",
    }
    heights, layout = {}, {}
    for path, name in links.items():
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        page.goto(f"{live_server.url}{path}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            heights[width, name] = page.get_by_role("link", name=name).bounding_box()["height"]
            found = page.evaluate(MEASURE)
            layout[width, path] = (found["scroll"], found["tables"])

    assert {key: height >= 44 for key, height in heights.items()} == dict.fromkeys(heights, True)
    assert layout == {(width, path): (width, []) for width in WIDTHS for path in links}
