"""Publishing conclusions from the admin: a confirmation page first, then "update only" or "announce".

PDF rendering is replaced by a stub here (its output is tested in test_pdf.py): these tests are
about who gets mail and what staff see, and stay fast.
"""

import re

import pytest
from django.core import mail

from registrations.models import Delivery, Registration
from registrations.outbox import tasks as _outbox_tasks  # noqa: F401 - registers the named tasks
from sessions_app.models import Publication, Session
from sessions_app.outcomes import pdf
from sessions_app.outcomes import tasks as _tasks  # noqa: F401 - registers the named tasks
from tests.factories import RegistrationFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_pdfs(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-1.7 stub " + html[:40].encode())


@pytest.fixture
def held():
    session, attendee, registrant = build_held_session()
    # Besides the attendee (pt) and the confirmed registrant (es): one more of each language, and
    # people who must not be mailed (cancelled, never confirmed).
    RegistrationFactory(session=session, language="es", status=Registration.Status.CONFIRMED)
    RegistrationFactory(session=session, language="en", status=Registration.Status.WAITLISTED)
    RegistrationFactory(session=session, language="pt", status=Registration.Status.CONFIRMED)
    RegistrationFactory(session=session, language="en", status=Registration.Status.CANCELLED)
    RegistrationFactory(session=session, language="es", status=Registration.Status.PENDING)
    return session


def counts_by_language(page):
    return dict(re.findall(r'data-language="(\w+)">(\d+)<', page))


def publish(client, session, mode, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/sessions_app/session/{session.pk}/publish/", {"mode": mode})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Publication.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_confirmation_page_shows_recipients_by_language_the_mail_and_what_was_sent(client, staff, held):
    client.force_login(staff)
    page = client.get(f"/admin/sessions_app/session/{held.pk}/publish/?language=es").content.decode()

    assert counts_by_language(page) == {"en": "1", "es": "2", "pt": "2"}
    assert re.search(r'id="recipient-total">(\d+)<', page).group(1) == "5"
    assert re.search(r'id="preview-subject">([^<]+)<', page).group(1) == (
        "Conclusiones disponibles: Mecanismos inclusivos para reducir la brecha de desigualdad"
    )
    assert "Nothing yet: the conclusions of this session have never been published." in page
    # First time: the choice is "publish and announce" (pre-selected) or "publish without announcing".
    assert "Publish and announce: e-mail 5 registrants that the conclusions are available" in page
    assert "Publish without announcing: render the documents, e-mail nobody" in page
    assert Publication.objects.count() == 0 and Delivery.objects.count() == 0


def test_publish_announce_then_update_only_then_announce_again(client, staff, held, django_capture_on_commit_callbacks):
    client.force_login(staff)
    recipients = sorted(
        Registration.objects.filter(
            session=held,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.ATTENDED],
        ).values_list("email", flat=True)
    )

    first = publish(client, held, "announce", django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == recipients

    second = publish(client, held, "update", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    page = client.get(f"/admin/sessions_app/session/{held.pk}/publish/").content.decode()
    assert "Announce again: e-mail all 5 registrants once more" in page
    assert "Update the documents only: render what changed, e-mail nobody" in page
    assert "“Conclusions available” e-mails so far: 5 (5 sent, 0 waiting, 0 failed)." in page
    # Once people have been told, the safe choice is the one pre-selected.
    assert re.search(r'<input type="radio" name="mode" value="update"[^>]*checked', page)

    third = publish(client, held, "announce", django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == recipients

    assert [(p.announce, p.announced, p.status) for p in (first, second, third) if not p.refresh_from_db()] == [
        (True, 5, "done"),
        (False, 0, "done"),
        (True, 5, "done"),
    ]
    assert Delivery.objects.filter(kind="conclusions_available", status=Delivery.Status.SENT).count() == 10
    held.refresh_from_db()
    assert held.status == Session.Status.CONCLUSIONS_PUBLISHED


def test_progress_page_shows_documents_and_mail(client, staff, held, django_capture_on_commit_callbacks):
    client.force_login(staff)
    publication = publish(client, held, "announce", django_capture_on_commit_callbacks)
    page = client.get(f"/admin/sessions_app/session/publication/{publication.pk}/").content.decode()

    # 3 kinds x 3 languages, and the attendee's certificate in 3 languages.
    assert "Documents rendered: 12 of 12" in page
    assert re.search(r'id="publication-mail">([^<]+)<', page).group(1) == (
        "E-mails: 5 queued, 5 sent, 0 waiting, 0 failed, 0 suppressed."
    )
    assert 'http-equiv="refresh"' not in page  # done: no more refreshing


def test_publishing_without_conclusions_says_so(client, staff):
    client.force_login(staff)
    session = RegistrationFactory().session
    page = client.get(f"/admin/sessions_app/session/{session.pk}/publish/").content.decode()
    assert "This session has no conclusions yet: write them first, then publish." in page
    response = client.post(f"/admin/sessions_app/session/{session.pk}/publish/", {"mode": "announce"})
    assert response.status_code == 200
    assert Publication.objects.count() == 0


def test_publish_pages_are_for_staff_only(client, outsider, held):
    client.force_login(outsider)
    response = client.post(f"/admin/sessions_app/session/{held.pk}/publish/", {"mode": "announce"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Publication.objects.count() == 0
