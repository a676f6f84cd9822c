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
