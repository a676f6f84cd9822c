"""The mailing preview shows what people receive: the HTML message in a sandboxed frame that runs no
script, at a phone's and a desktop's width, in each language, with the plain text, the calendar
event in words and how many people get each language; never a live private link."""

import re

import pytest
from django.urls import reverse

from registrations.link_keys import LINK_PLACEHOLDER
from registrations.models import Mailing
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailing():
    session = SessionFactory(title_es="Mecanismos <inclusivos>", time_zone="Europe/Madrid")
    RegistrationFactory(
        session=session, email="ana@example.org", full_name="Ana <b>Ríos</b>", language="es", status="confirmed"
    )
    RegistrationFactory(session=session, email="joao@example.org", full_name="João", language="pt", status="confirmed")
    RegistrationFactory(session=session, email="lu@example.org", full_name="Lu", language="es", status="confirmed")
    return Mailing.objects.create(
        session=session,
        kind=Mailing.Kind.REMINDER,
        audience=Mailing.Audience.REGISTRANTS,
        attach_ics=True,
        subject_es="Recordatorio: {session_title}",
        body_es="Hola {name}: <script>alert(1)</script> {manage_url}",
        subject_pt="Lembrete: {session_title}",
        body_pt="Olá {name}: {manage_url}",
    )


def test_the_preview_frames_the_html_message_sandboxed_at_two_widths(client, staff, mailing):
    client.force_login(staff)

    page = client.get(
        reverse("admin:registrations_mailing_preview", args=[mailing.pk]), {"language": "es"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    frames = re.findall(r'<iframe src="([^"]+)" sandbox="" title="([^"]+)"', page)
    assert [title for _src, title in frames] == ["El mensaje HTML en un teléfono", "El mensaje HTML en un ordenador"]
    assert {src.split("?")[0] for src, _title in frames} == {
        reverse("admin:registrations_mailing_preview_html", args=[mailing.pk])
    }
    assert re.findall(r"<li>(?:<a [^>]*>)?([^<:]+)(?:</a>)?: (\d+ \w+)</li>", page) == [
        ("Inglés", "0 personas"),
        ("Español", "2 personas"),
        ("Portugués", "1 persona"),
    ]
    assert "Evento de calendario adjunto" in page
    # A confirmed person's file is a published event unless CALENDAR_ORGANIZER_EMAIL names a mailbox for replies.
    assert "Propone añadir la sesión al calendario." in page


def test_the_framed_message_runs_no_script_fetches_nothing_and_holds_no_live_link(client, staff, mailing):
    client.force_login(staff)
    url = reverse("admin:registrations_mailing_preview_html", args=[mailing.pk])

    response = client.get(url, {"language": "es", "recipient": "ana@example.org"})

    policy = response["Content-Security-Policy"].split("; ")
    assert policy[0] == "sandbox"  # no allow-scripts: nothing runs, even opened on its own
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ana &lt;b&gt;Ríos&lt;/b&gt;" in html
    assert LINK_PLACEHOLDER in html
    registration = mailing.session.registrations.get(email="ana@example.org")
    assert registration.token not in html


def test_without_the_permission_to_view_registrations_the_frame_shows_a_placeholder_person(client, mailing):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    editor = UserFactory(is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(codename__in=["view_mailing", "change_mailing"]))
    client.force_login(editor)

    html = client.get(
        reverse("admin:registrations_mailing_preview_html", args=[mailing.pk]),
        {"language": "es", "recipient": "ana@example.org"},
    ).content.decode()

    assert "Ríos" not in html and "ana@example.org" not in html


def test_the_conclusions_announcement_is_previewed_the_same_way(client, staff):
    from sessions_app.outcomes.conclusions import write_conclusions

    session = SessionFactory(title_es="Mecanismos <inclusivos>")
    write_conclusions(session=session, bodies={"es": "<p>Acuerdos</p>"})
    registration = RegistrationFactory(session=session, language="es", status="confirmed", full_name="Ana")
    client.force_login(staff)

    page = client.get(
        reverse("admin:sessions_app_session_publish", args=[session.pk]), {"language": "es"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    frame = client.get(reverse("admin:sessions_app_session_publish_preview", args=[session.pk]), {"language": "es"})

    sources = re.findall(r'<iframe src="([^"]+)" sandbox=""', page)
    assert len(sources) == 2 and all(
        src.startswith(reverse("admin:sessions_app_session_publish_preview", args=[session.pk])) for src in sources
    )
    assert frame["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    html = frame.content.decode()
    assert "Mecanismos &lt;inclusivos&gt;" in html and "<inclusivos>" not in html
    assert registration.token not in html
    assert 'id="preview-body"' in page
