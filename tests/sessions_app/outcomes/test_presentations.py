"""Presentations: speakers' upload links, the upload rules on the way in, visibility on the way out."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from registrations.models import Registration
from sessions_app.outcomes.models import Presentation, UploadLink
from sessions_app.outcomes.presentations import files
from tests.factories import (
    AgendaItemFactory,
    PresentationFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
)
from tests.sessions_app.pages import status_and_headings
from tests.support import documents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _ended_session(**kwargs):
    return SessionFactory(starts_at=timezone.now() - timedelta(days=2), status="held", **kwargs)


def _link(item, *, speaker=None, language="es", django_capture_on_commit_callbacks=None):
    speaker = speaker or SpeakerFactory(email="catia@example.org", name="Cátia Lima")
    link = files.send_upload_link(item=item, speaker=speaker, email=speaker.email, language=language)
    token = mail.outbox[-1].body.split("/speakers/upload/")[1].split("/")[0] if mail.outbox else None
    return link, token


def _send_link(item, django_capture_on_commit_callbacks, language="pt"):
    speaker = SpeakerFactory(email="catia@example.org", name="Cátia Lima")
    with django_capture_on_commit_callbacks(execute=True):
        link = files.send_upload_link(item=item, speaker=speaker, email=speaker.email, language=language)
    body = mail.outbox[-1].body
    token = body.split("/speakers/upload/")[1].split("/")[0]
    return link, token, body


def _upload(client, token, data, name="slides.pdf", title="Minhas lâminas", language="pt"):
    """POST to the link as the e-mail gave it (with the speaker's language prefix)."""
    with translation.override(language):
        url = reverse("outcomes:speaker_upload", kwargs={"token": token})
    return client.post(url, {"title": title, "language": language, "file": SimpleUploadedFile(name, data)})


def test_the_speaker_gets_a_link_by_email_in_their_language_and_uploads_without_an_account(
    client, django_capture_on_commit_callbacks
):
    item = AgendaItemFactory(title="Descriminalização do consumo")
    link, token, body = _send_link(item, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["catia@example.org"]
    assert mail.outbox[-1].subject == f"A sua apresentação para {item.session.title}"
    assert f"/pt/speakers/upload/{token}/" in body
    assert UploadLink.objects.get().token_hash == files.hash_token(token)  # the token itself is not stored

    response = _upload(client, token, documents.pptx(), name="laminas.pptx")
    assert response.status_code == 302
    presentation = Presentation.objects.get()
    assert (presentation.item, presentation.speaker, presentation.file_kind) == (item, link.speaker, "pptx")
    assert presentation.visibility == Presentation.Visibility.PARTICIPANTS
    assert presentation.uploaded_through_link is True
    assert presentation.file.name.startswith("presentations/") and presentation.file.name.endswith("/laminas.pptx")


def test_a_pdf_renamed_exe_is_accepted_as_pdf_and_an_executable_renamed_pdf_is_refused(
    client, django_capture_on_commit_callbacks
):
    item = AgendaItemFactory()
    _link_row, token, _body = _send_link(item, django_capture_on_commit_callbacks)
    assert _upload(client, token, documents.PDF_BYTES, name="slides.exe").status_code == 302
    assert Presentation.objects.get().file.name.endswith("/slides.pdf")

    response = _upload(client, token, documents.EXE_BYTES, name="slides.pdf")
    assert response.status_code == 400
    assert "Programas não podem ser enviados." in response.content.decode()
    assert Presentation.objects.count() == 1


def test_an_oversized_file_gets_the_message_and_the_items_other_files_remain(
    client, settings, django_capture_on_commit_callbacks
):
    item = AgendaItemFactory()
    kept = PresentationFactory(item=item, title="Already there")
    _link_row, token, _body = _send_link(item, django_capture_on_commit_callbacks)
    settings.UPLOAD_MAX_SIZE = 100
    response = _upload(client, token, documents.PDF_BYTES + b"x" * 500, title="Grande")
    assert response.status_code == 400
    page = response.content.decode()
    assert "O arquivo tem" in page and "os arquivos podem ter no máximo 100" in page
    assert list(Presentation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert 'value="Grande"' in page  # what the speaker typed is kept


def test_an_expired_or_revoked_upload_link_finds_nothing_and_takes_no_file(client, django_capture_on_commit_callbacks):
    item = AgendaItemFactory()
    link, token, _body = _send_link(item, django_capture_on_commit_callbacks)
    url = reverse("outcomes:speaker_upload", kwargs={"token": token})
    assert status_and_headings(client.get(url)) == (200, ["Add your presentation"])
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert status_and_headings(client.get(url)) == (404, ["Page not found"])
    files.revoke_upload_links(UploadLink.objects.filter(pk=link.pk))
    assert status_and_headings(client.get(url)) == (404, ["Page not found"])
    assert status_and_headings(_upload(client, token, documents.PDF_BYTES))[0] == 404
    assert Presentation.objects.count() == 0
    # A made-up key, under the speaker's language as the e-mail writes the link.
    with translation.override("pt"):
        made_up = client.get(reverse("outcomes:speaker_upload", kwargs={"token": "x" * 43}))
    assert status_and_headings(made_up) == (404, ["Página não encontrada"])


def test_a_speakers_link_cannot_reach_another_item(client, django_capture_on_commit_callbacks):
    own, other = AgendaItemFactory(), AgendaItemFactory()
    _link_row, token, _body = _send_link(own, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("outcomes:speaker_upload", kwargs={"token": token}),
        {"title": "x", "language": "es", "item": other.pk, "file": SimpleUploadedFile("a.pdf", documents.PDF_BYTES)},
    )
    assert response.status_code == 302
    assert list(Presentation.objects.values_list("item_id", flat=True)) == [own.pk]
    assert other.presentations.count() == 0


# ── Visibility ────────────────────────────────────────────────────────────────────────────────


def test_a_participants_only_file_is_refused_to_anonymous_visitors_and_other_sessions_participants(client):
    session = _ended_session()
    presentation = PresentationFactory(item=AgendaItemFactory(session=session))
    other = RegistrationFactory(session=_ended_session(), status=Registration.Status.CONFIRMED)
    public_url = reverse("outcomes:presentation_download", kwargs={"pk": presentation.pk})
    other_sessions_url = reverse(
        "outcomes:my_presentation_download", kwargs={"token": other.token, "pk": presentation.pk}
    )

    assert status_and_headings(client.get(public_url)) == (404, ["Page not found"])
    assert status_and_headings(client.get(other_sessions_url)) == (404, ["Page not found"])


def test_a_participants_only_file_is_served_to_a_confirmed_participant_through_the_private_link(client):
    session = _ended_session()
    presentation = PresentationFactory(item=AgendaItemFactory(session=session))
    participant = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)
    pending = RegistrationFactory(session=session, status=Registration.Status.PENDING)
    response = client.get(
        reverse("outcomes:my_presentation_download", kwargs={"token": participant.token, "pk": presentation.pk})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Cache-Control"] == "private, no-store"
    url = reverse("outcomes:my_presentation_download", kwargs={"token": pending.token, "pk": presentation.pk})
    assert client.get(url).status_code == 404


def test_a_staff_only_file_is_never_listed_publicly_and_a_public_one_only_after_the_session(client, staff):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=30), duration_minutes=90, status="held")
    item = AgendaItemFactory(session=session, title="Experiencias")
    public = PresentationFactory(item=item, title="Public slides", visibility="public")
    PresentationFactory(item=item, title="Staff notes", visibility="staff")
    participant = RegistrationFactory(session=session, status=Registration.Status.ATTENDED)
    assert files.presentations_for(session=session, reader=files.PUBLIC) == []  # not ended yet
    public_url = reverse("outcomes:presentation_download", kwargs={"pk": public.pk})
    assert client.get(public_url).status_code == 404
    with time_machine.travel(session.ends_at + timedelta(minutes=1)):
        assert [p.title for p in files.presentations_for(session=session, reader=files.PUBLIC)] == ["Public slides"]
        assert [p.title for p in files.presentations_for(session=session, reader=files.PARTICIPANT)] == [
            "Public slides"
        ]
        assert client.get(public_url).status_code == 200
        page = client.get(reverse("registrations:manage", kwargs={"token": participant.token})).content.decode()
        assert "Public slides" in page and "Staff notes" not in page
        assert "Staff notes" not in client.get(session.get_absolute_url()).content.decode()
    assert [p.title for p in files.presentations_for(session=session, reader=files.STAFF)] == [
        "Public slides",
        "Staff notes",
    ]


def test_the_held_session_page_lists_public_files_under_their_item_with_type_size_and_language(client):
    session = _ended_session()
    item = AgendaItemFactory(session=session, title="Uruguay: mujeres privadas de libertad")
    PresentationFactory(item=item, title="Crisálidas", visibility="public", size=2048)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Uruguay: mujeres privadas de libertad" in page
    assert "Crisálidas" in page
    assert "PDF, 2.0\xa0KB, Spanish" in page


def test_the_session_page_costs_the_same_queries_with_one_or_many_files(client, django_assert_max_num_queries):
    session = _ended_session()
    item = AgendaItemFactory(session=session)
    PresentationFactory(item=item, visibility="public")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(session.get_absolute_url() + "?one")
    for _ in range(6):
        PresentationFactory(item=AgendaItemFactory(session=session), visibility="public")
    with CaptureQueriesContext(connection) as many:
        client.get(session.get_absolute_url() + "?many")
    assert len(many) == len(one)


# ── Staff ────────────────────────────────────────────────────────────────────────────────────


def test_staff_send_an_upload_link_from_the_admin_and_revoke_it(client, staff, django_capture_on_commit_callbacks):
    item = AgendaItemFactory(title="Inclusión de mujeres privadas de libertad")
    speaker = SpeakerFactory(name="Teresa Godoy", email="teresa@example.org")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:outcomes_uploadlink_add"),
            {"item": item.pk, "speaker": speaker.pk, "email": "teresa@example.org", "language": "es", "days": "10"},
        )
    assert response.status_code == 302
    link = UploadLink.objects.get()
    assert (link.item, link.speaker, link.email) == (item, speaker, "teresa@example.org")
    assert timedelta(days=9, hours=23) < link.expires_at - timezone.now() <= timedelta(days=10)
    assert [message.to for message in mail.outbox] == [["teresa@example.org"]]
    token = mail.outbox[0].body.split("/speakers/upload/")[1].split("/")[0]
    client.post(reverse("admin:outcomes_uploadlink_changelist"), {"action": "revoke", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is not None
    client.logout()
    with translation.override("es"):
        assert client.get(reverse("outcomes:speaker_upload", kwargs={"token": token})).status_code == 404


def test_a_file_staff_attach_in_the_admin_is_checked_by_content(client, staff):
    item = AgendaItemFactory()
    client.force_login(staff)
    data = {"item": item.pk, "title": "Notas", "language": "es", "visibility": "staff", "link": ""}
    bad = client.post(
        reverse("admin:outcomes_presentation_add"), {**data, "file": SimpleUploadedFile("n.pdf", documents.EXE_BYTES)}
    )
    assert bad.status_code == 200
    assert "Programs cannot be uploaded." in bad.content.decode()
    good = client.post(
        reverse("admin:outcomes_presentation_add"), {**data, "file": SimpleUploadedFile("n.docx", documents.docx())}
    )
    assert good.status_code == 302
    presentation = Presentation.objects.get()
    assert (presentation.file_kind, presentation.size) == ("docx", len(documents.docx()))


def test_a_file_staff_make_public_appears_on_the_cached_session_page_at_once(client, staff, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    session = _ended_session()
    presentation = PresentationFactory(item=AgendaItemFactory(session=session), title="Diapositivas de Catia")
    visitor = type(client)()
    assert "Diapositivas de Catia" not in visitor.get(session.get_absolute_url()).content.decode()
    client.force_login(staff)
    client.post(
        reverse("admin:outcomes_presentation_changelist"),
        {"action": "make_public", "_selected_action": [presentation.pk]},
    )
    assert Presentation.objects.get().visibility == "public"
    assert "Diapositivas de Catia" in visitor.get(session.get_absolute_url()).content.decode()


def test_deleting_an_agenda_item_removes_its_files_from_storage(django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    item = AgendaItemFactory()
    name = PresentationFactory(item=item).file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        item.delete()
    assert not default_storage.exists(name)


def test_the_logs_never_hold_a_speakers_or_a_participants_key():
    from copolad_wg.observability import redact

    assert redact("GET /es/speakers/upload/abcDEF123/ 404") == "GET /es/speakers/upload/[redacted]/ 404"
    assert redact("/pt/registrations/key123/evaluation/") == "/pt/registrations/[redacted]/evaluation/"
    assert redact("/en/registrations/key123/presentations/4/") == "/en/registrations/[redacted]/presentations/4/"
