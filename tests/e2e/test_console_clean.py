"""In Chromium, the portal's pages, allauth's and the admin's log no error: no resource that
is missing (the browser's /favicon.ico included) and nothing the Content-Security-Policy blocks."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_log_no_console_error(live_server, chromium_page, staff, focal_point_uruguay):
    page = chromium_page
    errors = []
    page.on("console", lambda message: errors.append((page.url, message.text)) if message.type == "error" else None)

    for path in ["/es/", "/es/accounts/login/", "/pt/accounts/password/reset/"]:
        page.goto(live_server.url + path)
    page.context.add_cookies([_session_cookie(focal_point_uruguay.user, live_server)])
    for path in ["/es/focal-point/", "/es/focal-point/institutions/new/"]:
        page.goto(live_server.url + path)
    page.context.add_cookies([_session_cookie(staff, live_server)])
    for path in ["/admin/", "/admin/registrations/focalpoint/invite/", "/admin/registrations/contribution/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")

    assert errors == []


def _session_cookie(user, live_server):
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
