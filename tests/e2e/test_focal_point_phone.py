"""The focal-point pages fit a 390-px phone, even with a long unbroken name typed by a user."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_focal_point_pages_do_not_scroll_sideways_on_a_phone(live_server, chromium_page, focal_point_uruguay):
    session = SessionFactory(slug="alternatives")
    institution = InstitutionFactory(country="UY", name="Institución" + "x" * 280)
    RegistrationFactory(session=session, country="UY", institution=institution, email="a" * 60 + "@example.org")
    client = Client()
    client.force_login(focal_point_uruguay.user)
    page = chromium_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for path in ["/es/focal-point/", "/es/focal-point/sessions/alternatives/nominate/"]:
        page.goto(live_server.url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == {"/es/focal-point/": 390, "/es/focal-point/sessions/alternatives/nominate/": 390}


def test_dashboard_buttons_are_in_view_on_a_phone_without_sideways_scrolling(
    live_server, chromium_page, focal_point_uruguay, tmp_path
):
    SessionFactory(slug="alternatives", title="Alternativas al encarcelamiento para delitos menores de drogas")
    SessionFactory(slug="gender", title="Perspectiva de género en las políticas de drogas")
    client = Client()
    client.force_login(focal_point_uruguay.user)
    page = chromium_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/es/focal-point/")
    page.screenshot(path=str(tmp_path / "dashboard-390.png"), full_page=True)
    sessions = page.locator("#upcoming-sessions > li")
    assert sessions.count() == 2
    buttons = sessions.get_by_role("link", name="Nominar participantes")
    answers = sessions.get_by_role("link", name="Responder a las preguntas orientadoras")
    assert (buttons.count(), answers.count()) == (2, 2)
    # Every button lies inside the 390-px viewport horizontally: reachable without scrolling sideways.
    for link in [*buttons.all(), *answers.all()]:
        box = link.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    # No element of the list is wider than the page (a table inside a scroller would be).
    assert (
        page.evaluate("Math.max(...[...document.querySelectorAll('#upcoming-sessions *')].map(e => e.scrollWidth))")
        <= 390
    )


def _signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


# Buttons, tabs, check boxes with their labels and list links of the focal-point pages, on a phone.
TARGETS = "main .btn, main .nav-link, main .form-check, main .list-link"


def test_review_bulk_and_institution_pages_fit_a_phone_with_44_px_targets(
    live_server, chromium_page, focal_point_uruguay
):
    from registrations.focal_points import answers
    from tests.factories import GuidingQuestionFactory

    session = SessionFactory(slug="alternatives")
    first = GuidingQuestionFactory(session=session, order=1, text="¿Qué mecanismos aplica el país?")
    GuidingQuestionFactory(session=session, order=2, text="¿Qué desafíos enfrenta?")
    answers.save_contribution(
        session=session, country="UY", answers={first.pk: "Tribunales de tratamiento."}, user=None
    )
    InstitutionFactory(country="UY", name="Junta Nacional de Drogas", acronym="JND")
    page = chromium_page
    _signed_in(page, live_server, focal_point_uruguay.user)
    page.set_viewport_size({"width": 390, "height": 844})

    measured = {}
    page.goto(live_server.url + "/es/focal-point/sessions/alternatives/answers/review/")
    # Each form posts and the answer is a new page: measured once it has loaded, not the one leaving.
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar respuestas").click()  # without the confirmation
    measured["review"] = page.evaluate(
        "sel => [document.documentElement.scrollWidth, Math.min(...[...document.querySelectorAll(sel)]"
        ".map(e => e.getBoundingClientRect().height))]",
        TARGETS,
    )
    page.goto(live_server.url + "/es/focal-point/sessions/alternatives/nominate/bulk/")
    page.fill("textarea[name=rows]", "Ana Gómez | ana@example.org | Técnica | JND\nBruno,bruno@example.org,,INAU")
    with page.expect_navigation():
        page.get_by_role("button", name="Nominar", exact=True).click()
    measured["bulk"] = page.evaluate(
        "sel => [document.documentElement.scrollWidth, Math.min(...[...document.querySelectorAll(sel)]"
        ".map(e => e.getBoundingClientRect().height))]",
        TARGETS,
    )
    page.get_by_role("button", name="Añadir «INAU» al registro").click()
    assert page.locator("input[name=name]").input_value() == "INAU"
    measured["institution"] = page.evaluate(
        "sel => [document.documentElement.scrollWidth, Math.min(...[...document.querySelectorAll(sel)]"
        ".map(e => e.getBoundingClientRect().height))]",
        TARGETS,
    )
    assert {name: (width, height >= 44) for name, (width, height) in measured.items()} == {
        "review": (390, True),
        "bulk": (390, True),
        "institution": (390, True),
    }
