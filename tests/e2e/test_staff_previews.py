"""A registrant's name written as markup (a meta refresh) stays text in every staff preview: the
staff member's browser stays on the preview page instead of following it away."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from registrations.campaigns import rendering
from registrations.models import Mailing, Registration
from sessions_app.outcomes import pdf
from tests.e2e.test_console_clean import _session_cookie
from tests.factories import RegistrationFactory, SessionFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A refresh after one second: long enough to load the page, short enough for the wait below.
HOSTILE = '</pre><meta http-equiv="refresh" content="1;url=https://evil.example/">'

# Screenshots for people to look at, when asked for (the CI run does not write them).
SHOTS = os.environ.get("ADMIN_SHOTS_DIR")


def test_every_staff_preview_stays_on_its_url_whatever_the_registrant_typed(
    live_server, chromium_page, staff, monkeypatch
):
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-1.7 stub")
    upcoming = SessionFactory(starts_at=timezone.now() + timedelta(days=5), capacity=2)
    waiting = RegistrationFactory(
        session=upcoming, full_name=HOSTILE, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    RegistrationFactory(session=upcoming, full_name=HOSTILE, status=Registration.Status.CONFIRMED)
    mailing = Mailing(session=upcoming, kind=Mailing.Kind.REMINDER, audience=Mailing.Audience.REGISTRANTS)
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    held, _attendee, registrant = build_held_session()
    Registration.objects.filter(pk=registrant.pk).update(full_name=HOSTILE)
    page = chromium_page
    page.context.add_cookies([_session_cookie(staff, live_server)])
    # Nothing may leave the portal: a followed refresh would show up as a request to evil.example.
    left = []
    page.on("request", lambda request: left.append(request.url) if "evil.example" in request.url else None)

    urls = [
        f"{live_server.url}/admin/registrations/mailing/{mailing.pk}/preview/",
        f"{live_server.url}/admin/sessions_app/session/{held.pk}/publish/?language=es",
        f"{live_server.url}/admin/sessions_app/session/{upcoming.pk}/promote/",
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_timeout(1500)
        assert page.url == url
        assert HOSTILE in page.locator("pre.mail-preview").first.inner_text(timeout=2000)

    page.goto(f"{live_server.url}/admin/registrations/registration/?session__id__exact={upcoming.pk}")
    page.locator(f"input[name=_selected_action][value='{waiting.pk}']").check()
    page.select_option("select[name=action]", "resend_selected")
    page.locator("button[name=index]").click()
    page.wait_for_timeout(1500)
    assert page.url.startswith(f"{live_server.url}/admin/registrations/registration/")
    assert HOSTILE in page.locator("pre.mail-preview").first.inner_text()
    assert left == []


def test_the_registration_action_page_shows_each_message_in_sandboxed_frames_at_1280_px_in_spanish(
    live_server, chromium_page, staff
):
    session = SessionFactory(starts_at=timezone.now() + timedelta(days=5), capacity=5)
    hostile = RegistrationFactory(
        session=session, full_name=HOSTILE, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    RegistrationFactory(
        session=session, language="pt", status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    page = chromium_page
    page.context.add_cookies(
        [_session_cookie(staff, live_server), {"name": "django_language", "value": "es", "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    left = []
    page.on("request", lambda request: left.append(request.url) if "evil.example" in request.url else None)

    page.goto(f"{live_server.url}/admin/registrations/registration/?session__id__exact={session.pk}")
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "confirm_selected")
    page.locator("button[name=index]").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the refresh, were it markup, would have fired by now

    frames = page.locator("iframe[sandbox='']")
    assert frames.count() == 4  # a phone and a computer for each of the two languages
    spanish = page.frame_locator("iframe[sandbox='']").first.locator("body").inner_text()
    assert f"Estimado/a {HOSTILE}:" in spanish
    assert page.locator("h3").all_inner_texts()[:2] == ["Español", "Asunto"]
    assert page.evaluate("document.documentElement.scrollWidth") == 1280
    assert left == []
    if SHOTS:
        # The page as staff first see it, then each language's message at the top of the screen:
        # headless Chromium paints a frame only in the viewport (full-page and element shots leave some blank).
        page.screenshot(path=f"{SHOTS}/registration-action-es.png")
        for number, preview in enumerate(page.locator(".email-preview").all()):
            preview.evaluate("element => element.scrollIntoView()")
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{SHOTS}/registration-action-es-message-{number + 1}.png")
    assert Registration.objects.get(pk=hostile.pk).status == Registration.Status.WAITLISTED
