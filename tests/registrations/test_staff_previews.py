"""Staff previews of e-mails: never a live private link, real recipients only for those allowed to
see registrations, and whatever a registrant typed shown as text.

The previews: the mailing preview, the conclusions publish page, and the "who gets which e-mail"
plan of the registration actions and of the waiting-list promotion.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from registrations.campaigns import rendering, unsubscribe
from registrations.models import Mailing, Registration
from sessions_app.outcomes import pdf
from tests.factories import RegistrationFactory, SessionFactory, UserFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = pytest.mark.django_db

HOSTILE = '</pre><meta http-equiv="refresh" content="0;url=https://evil.example/">'
ESCAPED = "&lt;/pre&gt;&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=https://evil.example/&quot;&gt;"
KEY_SHAPED = re.compile(r"/registrations/(?:r/)?([A-Za-z0-9_-]{40,64})/")


@pytest.fixture(autouse=True)
def fast_pdfs(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-1.7 stub")


def staff_with(*codenames):
    user = UserFactory(username="viewer", email="viewer@copolad.example", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def reminder_for(session):
    mailing = Mailing(session=session, kind=Mailing.Kind.REMINDER, audience=Mailing.Audience.REGISTRANTS)
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    return mailing


def no_live_key(page, registrations):
    keys = [registration.token for registration in registrations]
    return not any(key in page for key in keys) and KEY_SHAPED.findall(page) == []


@pytest.fixture
def upcoming():
    session = SessionFactory(starts_at=timezone.now() + timedelta(days=5), capacity=1)
    seated = RegistrationFactory(
        session=session, email="seated@example.org", full_name=HOSTILE, status=Registration.Status.CONFIRMED
    )
    waiting = RegistrationFactory(
        session=session,
        email="waiting@example.org",
        full_name=HOSTILE,
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    return session, seated, waiting


def test_a_view_only_user_gets_no_live_key_and_no_address_from_the_mailing_preview(client, upcoming):
    session, seated, _waiting = upcoming
    mailing = reminder_for(session)
    client.force_login(staff_with("view_mailing"))

    url = reverse("admin:registrations_mailing_preview", args=[mailing.pk])
    page = client.get(url, {"recipient": "seated@example.org"}).content.decode()

    assert "seated@example.org" not in page
    assert HOSTILE not in page and ESCAPED not in page  # not the real person at all
    assert no_live_key(page, [seated])
    assert "/es/registrations/r/private-link-key/" in page or "/en/registrations/r/private-link-key/" in page
    assert unsubscribe.unsubscribe_token(email="seated@example.org", language="es") not in page


def test_a_user_who_may_see_registrations_previews_a_real_recipient_without_a_live_key(client, upcoming):
    session, seated, _waiting = upcoming
    mailing = reminder_for(session)
    client.force_login(staff_with("view_mailing", "view_registration"))

    url = reverse("admin:registrations_mailing_preview", args=[mailing.pk])
    page = client.get(url, {"recipient": "seated@example.org"}).content.decode()

    assert '<option value="seated@example.org" selected>seated@example.org (es)</option>' in page
    assert ESCAPED in page
    assert HOSTILE not in page
    assert no_live_key(page, [seated])
    assert "/es/registrations/r/private-link-key/" in page
    assert unsubscribe.unsubscribe_token(email="seated@example.org", language="es") not in page


def test_the_mailing_preview_shows_a_hostile_name_as_text(client, staff, upcoming):
    session, _seated, _waiting = upcoming
    mailing = reminder_for(session)
    client.force_login(staff)

    page = client.get(reverse("admin:registrations_mailing_preview", args=[mailing.pk])).content.decode()

    body = re.search(r'<pre id="preview-body" class="mail-preview">(.*?)</pre>', page, re.S).group(1)
    assert ESCAPED in body
    assert "<meta" not in page.split("</head>", 1)[1]


def test_the_publish_preview_shows_no_live_key_and_no_real_name_to_a_user_who_may_not_see_registrations(client):
    session, attendee, registrant = build_held_session()
    Registration.objects.filter(pk=registrant.pk).update(full_name=HOSTILE)
    client.force_login(staff_with("change_session", "view_session"))

    page = client.get(f"/admin/sessions_app/session/{session.pk}/publish/?language=es").content.decode()

    body = re.search(r'<pre id="preview-body" class="mail-preview">(.*?)</pre>', page, re.S).group(1)
    assert body.splitlines()[0] == "Estimado/a [nombre de la persona destinataria]:"
    assert ESCAPED not in page and HOSTILE not in page
    assert no_live_key(page, [attendee, registrant])
    # The HTML message in the sandboxed frame keeps the same guarantees.
    frame = client.get(f"/admin/sessions_app/session/{session.pk}/publish/preview/?language=es").content.decode()
    assert ESCAPED not in frame and HOSTILE not in frame
    assert no_live_key(frame, [attendee, registrant])
    assert "/es/registrations/private-link-key/documents/" in body


def test_the_publish_preview_shows_a_hostile_name_as_text(client, staff):
    session, _attendee, registrant = build_held_session()
    Registration.objects.filter(pk=registrant.pk).update(full_name=HOSTILE)
    client.force_login(staff)

    page = client.get(f"/admin/sessions_app/session/{session.pk}/publish/?language=es").content.decode()

    body = re.search(r'<pre id="preview-body" class="mail-preview">(.*?)</pre>', page, re.S).group(1)
    assert ESCAPED in body
    assert HOSTILE not in page
    assert no_live_key(page, [registrant])
    frame = client.get(f"/admin/sessions_app/session/{session.pk}/publish/preview/?language=es").content.decode()
    assert HOSTILE not in frame
    assert no_live_key(frame, [registrant])


def promotion_pages(client, session, language="en"):
    """The promotion page (the seated person has cancelled, the waiting one reads English) and the HTML
    message its frames show in ``language``."""
    Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).update(
        status=Registration.Status.CANCELLED
    )
    Registration.objects.filter(session=session).update(language="en")
    page = client.get(reverse("admin:sessions_app_session_promote", args=[session.pk])).content.decode()
    frame = client.get(reverse("admin:sessions_app_session_promote_preview", args=[session.pk]), {"language": language})
    return page, frame


def test_the_promotion_plan_frames_the_html_message_sandboxed_with_its_own_policy(client, staff, upcoming):
    session, seated, waiting = upcoming
    client.force_login(staff)

    page, frame = promotion_pages(client, session)

    frames = re.findall(r'<iframe src="([^"]+)" sandbox="" title="([^"]+)"', page)
    url = reverse("admin:sessions_app_session_promote_preview", args=[session.pk]) + "?language=en"
    assert frames == [
        (url, "The HTML message on a phone"),
        (url, "The HTML message on a computer"),
    ]
    policy = frame["Content-Security-Policy"].split("; ")
    assert policy[0] == "sandbox"  # no allow-scripts: nothing in the message runs
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    html = frame.content.decode()
    assert "A seat has become free and it is yours" in html
    # The calendar invitation the person will get, said in words beside the message.
    assert "Calendar event attached" in page and "Offers to add the session to the calendar." in page
    # At the session's time in the zone it names, not the server's (UTC).
    start = session.starts_at.astimezone(session.zone)
    assert f"{start:%H:%M} (Madrid time)</dd>" in page  # the zone by its city, as every page names it


def test_the_promotion_plan_shows_a_hostile_name_as_text_and_no_live_key(client, staff, upcoming):
    session, seated, waiting = upcoming
    client.force_login(staff)

    page, frame = promotion_pages(client, session)

    previews = re.findall(r'<pre id="preview-body-\w+" class="mail-preview">(.*?)</pre>', page, re.S)
    assert len(previews) == 1
    assert ESCAPED in previews[0]
    assert HOSTILE not in page
    assert no_live_key(page, [waiting])
    html = frame.content.decode()
    assert ESCAPED in html and HOSTILE not in html
    assert no_live_key(html, [waiting])


def test_the_promotion_plan_shows_no_name_and_no_address_to_a_user_who_may_not_see_registrations(client, upcoming):
    session, seated, waiting = upcoming
    client.force_login(staff_with("change_session", "view_session"))

    page, frame = promotion_pages(client, session)

    assert len(re.findall(r'<pre id="preview-body-\w+" class="mail-preview">(.*?)</pre>', page, re.S)) == 1
    assert "waiting@example.org" not in page
    assert ESCAPED not in page and HOSTILE not in page
    assert no_live_key(page, [waiting])
    html = frame.content.decode()
    assert "Dear [recipient&#x27;s name]," in html
    assert ESCAPED not in html and HOSTILE not in html and "waiting@example.org" not in html
    assert no_live_key(html, [waiting])


CHANGELIST = "/admin/registrations/registration/"


def action_pages(client, registrations, *, action="confirm_selected", language="es"):
    """The confirmation page of ``action`` on ``registrations``, the frames it holds (address, title)
    and the first frame's answer in ``language``."""
    page = client.post(
        CHANGELIST, {"action": action, "_selected_action": [registration.pk for registration in registrations]}
    ).content.decode()
    frames = re.findall(r'<iframe src="([^"]+)" sandbox="" title="([^"]+)"', page)
    frame = client.get(frames[0][0].split("?")[0], {"language": language}) if frames else None
    return page, frames, frame


def frame_url(action, *registrations):
    ids = ",".join(str(registration.pk) for registration in registrations)
    return f"{CHANGELIST}preview/{action}/{ids}/"


def test_the_registration_action_plan_frames_the_html_message_of_each_language_sandboxed_with_its_own_policy(
    client, staff, upcoming
):
    session, seated, waiting = upcoming
    reads_portuguese = RegistrationFactory(
        session=session, language="pt", status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    later_in_spanish = RegistrationFactory(
        session=session, language="es", status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    client.force_login(staff)

    page, frames, frame = action_pages(client, [waiting, reads_portuguese, later_in_spanish])

    # One frame address a language, naming the people the previews are written for (the first of each).
    url = frame_url("confirm_selected", waiting, reads_portuguese)
    assert frames == [
        (f"{url}?language=es", "The HTML message on a phone"),
        (f"{url}?language=es", "The HTML message on a computer"),
        (f"{url}?language=pt", "The HTML message on a phone"),
        (f"{url}?language=pt", "The HTML message on a computer"),
    ]
    policy = frame["Content-Security-Policy"].split("; ")
    assert policy[0] == "sandbox"  # no allow-scripts: nothing in the message runs
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    html = frame.content.decode()
    assert f"Estimado/a {ESCAPED}:" in html
    assert "Confirmar mi inscripción" not in html  # the confirmed person's message, not the request
    portuguese = client.get(url, {"language": "pt"}).content.decode()
    assert f"Caro/a {reads_portuguese.full_name}," in portuguese
    # Nothing happened to anyone: the page and its frames only show.
    assert Registration.objects.get(pk=waiting.pk).status == Registration.Status.WAITLISTED


def test_the_registration_action_plan_shows_a_hostile_name_as_text_and_no_live_key(client, staff, upcoming):
    session, seated, waiting = upcoming
    client.force_login(staff)

    page, frames, frame = action_pages(client, [waiting], action="resend_selected")

    previews = re.findall(r'<pre id="preview-body-\w+" class="mail-preview">(.*?)</pre>', page, re.S)
    assert len(previews) == 1
    assert ESCAPED in previews[0]
    assert HOSTILE not in page
    assert no_live_key(page, [seated, waiting])
    html = frame.content.decode()
    assert ESCAPED in html and HOSTILE not in html
    assert no_live_key(html, [seated, waiting])
    assert "/es/registrations/r/private-link-key/confirm/" in html


def test_the_registration_action_plan_shows_a_placeholder_to_staff_who_may_change_but_not_view_registrations(
    client, upcoming
):
    session, seated, waiting = upcoming
    client.force_login(staff_with("change_registration"))

    page, frames, frame = action_pages(client, [waiting])

    previews = re.findall(r'<pre id="preview-body-\w+" class="mail-preview">(.*?)</pre>', page, re.S)
    assert previews[0].splitlines()[0] == "Estimado/a [nombre de la persona destinataria]:"
    html = frame.content.decode()
    assert "Estimado/a [nombre de la persona destinataria]:" in html
    assert ESCAPED not in html and HOSTILE not in html and "waiting@example.org" not in html
    assert no_live_key(html, [seated, waiting])


def test_staff_who_may_only_view_registrations_neither_run_a_mailing_action_nor_open_its_frame(client, upcoming):
    session, seated, waiting = upcoming
    client.force_login(staff_with("view_registration"))

    changelist = client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "cancel_selected", "confirmed": "yes", "_selected_action": [seated.pk]})
    frame = client.get(frame_url("cancel_selected", seated), {"language": "es"})

    assert 'name="action"' not in changelist  # no action is offered to them
    assert Registration.objects.get(pk=seated.pk).status == Registration.Status.CONFIRMED
    assert frame.status_code == 403
    assert ESCAPED not in frame.content.decode()


@pytest.mark.parametrize(
    ("address", "query", "status"),
    [
        ("preview/confirm_selected/{seated}/", {}, 400),  # no language
        ("preview/confirm_selected/{seated}/", {"language": "xx"}, 400),
        ("preview/confirm_selected/{seated}/", {"language": ["es", "<b>"]}, 400),  # the last one counts
        ("preview/export_csv/{seated}/", {"language": "es"}, 404),  # an action that e-mails nobody
        ("preview/delete_selected/{seated}/", {"language": "es"}, 404),
        ("preview/confirm_selected/abc/", {"language": "es"}, 404),
        ("preview/confirm_selected/{seated},/", {"language": "es"}, 404),
        ("preview/confirm_selected/-{seated}/", {"language": "es"}, 404),
        ("preview/confirm_selected/{seated},999999/", {"language": "es"}, 404),  # one of them is nobody
        ("preview/confirm_selected/9223372036854775808/", {"language": "es"}, 404),  # past any integer
        ("preview/confirm_selected/999999999999999999/", {"language": "es"}, 404),
    ],
)
def test_the_action_frame_answers_an_address_that_names_no_preview_with_a_client_error(
    client, staff, upcoming, address, query, status
):
    session, seated, waiting = upcoming
    client.force_login(staff)

    response = client.get(CHANGELIST + address.format(seated=seated.pk), query)

    assert response.status_code == status
    assert "Content-Security-Policy" not in response or "sandbox" not in response["Content-Security-Policy"]
    assert ESCAPED not in response.content.decode()
