"""On a 390-px phone no page scrolls sideways, in any of the three languages."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_home_and_register_pages_fit_a_phone(live_server, chromium_page, language):
    call_command("load_demo")
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for path in ["/", "/registrations/sessions/session-3-alternatives-to-imprisonment/register/"]:
        page.goto(f"{live_server.url}/{language}{path}")
        widths[path] = page.evaluate("document.documentElement.scrollWidth")

    assert widths == {"/": 390, "/registrations/sessions/session-3-alternatives-to-imprisonment/register/": 390}
