"""Rendering tasks, publishing, the announcement e-mail and who may download what.

PDF rendering is replaced by a stub here, as in test_publishing.py (WeasyPrint's output is tested in
test_pdf.py and test_pdf_layout.py): these tests are about versions, tasks, mail and access, and
rendering every document of every test for real cost about a second per PDF, a hundred PDFs here.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agenda.models import AgendaItem
from registrations.models import Delivery, Registration
from sessions_app.models import Conclusions, Document, RoadmapItem, Session
from sessions_app.outcomes import documents, pdf
from sessions_app.outcomes.conclusions import write_conclusions
from sessions_app.outcomes.publishing import publish_conclusions
from sessions_app.outcomes.tasks import render_certificate_task, render_documents_task
from tests.factories import RegistrationFactory
from tests.sessions_app.after_session_data import build_held_session
from tests.support.sent import as_sent


@pytest.fixture(autouse=True)
def fast_pdfs(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-1.7 stub " + html[:40].encode())


@pytest.fixture
def held(db):
    return build_held_session()


def versions():
    return sorted(Document.objects.values_list("kind", "language", "registration_id", "version"))


def test_task_run_twice_makes_one_version(held):
    session, attendee, _registrant = held

    render_documents_task(session.pk)
    first = versions()
    render_documents_task(session.pk)
    render_certificate_task(attendee.pk)

    assert versions() == first
    assert first == sorted(
        [(kind, language, None, 1) for kind in ("agenda", "conclusions", "roadmap") for language in ("en", "es", "pt")]
        + [("certificate", language, attendee.pk, 1) for language in ("en", "es", "pt")]
    )


def test_the_task_reads_the_agenda_roadmap_and_conclusions_once_for_its_nine_documents(held):
    """Whether anything changed is told by rendering each document's HTML again: the three kinds in
    three languages come from one read of the session's rows, not one read per document."""
    session, _attendee, _registrant = held
    render_documents_task(session.pk)

    with CaptureQueriesContext(connection) as queries:
        render_documents_task(session.pk)  # nothing changed: every document is rendered and compared

    def reads_of(model):
        table = connection.ops.quote_name(model._meta.db_table)
        return sum(1 for query in queries.captured_queries if re.search(rf"\bFROM {re.escape(table)}", query["sql"]))

    assert (reads_of(AgendaItem), reads_of(RoadmapItem), reads_of(Conclusions)) == (1, 1, 1)
    assert Document.objects.filter(session=session, registration=None).count() == 9


def test_changed_content_makes_a_new_version_in_that_language_only(held):
    session, _attendee, _registrant = held
    render_documents_task(session.pk)

    write_conclusions(session=session, bodies={"es": "<p>Nuevas conclusiones acordadas.</p>"})
    render_documents_task(session.pk)

    latest = {(d.kind, d.language): d.version for d in documents.latest_documents(session=session)}
    assert latest[("conclusions", "es")] == 2
    assert latest[("conclusions", "en")] == 1
    assert latest[("roadmap", "es")] == 1


def test_publish_renders_then_announces_once_per_registrant_in_their_language(held, django_capture_on_commit_callbacks):
    session, attendee, registrant = held
    RegistrationFactory(session=session, status=Registration.Status.CANCELLED, email="gone@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        publication = publish_conclusions(session=session, announce=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish_conclusions(session=session, announce=False)  # again, documents only: nothing announced

    session.refresh_from_db()
    assert session.status == Session.Status.CONCLUSIONS_PUBLISHED
    deliveries = Delivery.objects.filter(kind="conclusions_available").order_by("to_email")
    assert [(d.to_email, d.language, d.key) for d in deliveries] == [
        ("Joao@Example.org", "pt", f"conclusions:{session.pk}:p{publication.pk}:{attendee.pk}"),
        ("lucia@example.org", "es", f"conclusions:{session.pk}:p{publication.pk}:{registrant.pk}"),
    ]
    portuguese, spanish = deliveries
    assert portuguese.subject == "Conclusões disponíveis: Mecanismos inclusivos para reduzir a lacuna de desigualdade"
    assert spanish.subject == "Conclusiones disponibles: Mecanismos inclusivos para reducir la brecha de desigualdad"
    conclusions_es = Document.objects.get(kind="conclusions", language="es")
    assert f"/es/registrations/{registrant.token}/documents/{conclusions_es.pk}/" in as_sent(spanish).body_text
    assert "certificado" not in spanish.body_text
    assert "certificado de participação" in portuguese.body_text


def download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response.status_code, body[:5]


@pytest.fixture
def rendered(held):
    session, attendee, registrant = held
    render_documents_task(session.pk)
    return session, attendee, registrant


def doc(kind, language, registration=None):
    return Document.objects.get(kind=kind, language=language, registration=registration)


def test_each_person_downloads_only_the_documents_meant_for_them(
    client, rendered, staff, focal_point_uruguay, outsider
):
    session, attendee, registrant = rendered
    other_session_person = RegistrationFactory(status=Registration.Status.ATTENDED)
    agenda = doc("agenda", "en")
    conclusions = doc("conclusions", "en")
    certificate = doc("certificate", "pt", attendee)
    public_url = lambda d: reverse("outcomes:document_download", kwargs={"pk": d.pk})  # noqa: E731 - a one-line builder reads best beside its uses
    token_url = lambda r, d: reverse(  # noqa: E731 - a one-line builder reads best beside its uses
        "outcomes:my_document_download", kwargs={"token": r.token, "pk": d.pk}
    )

    # Anonymous: the public agenda only.
    assert download(client, public_url(agenda)) == (200, b"%PDF-")
    assert download(client, public_url(conclusions))[0] == 404
    assert download(client, public_url(certificate))[0] == 404
    # A signed-in outsider: the same.
    client.force_login(outsider)
    assert download(client, public_url(conclusions))[0] == 404
    assert download(client, public_url(certificate))[0] == 404
    # A focal point: non-public documents, never someone's certificate.
    client.force_login(focal_point_uruguay.user)
    assert download(client, public_url(conclusions)) == (200, b"%PDF-")
    assert download(client, public_url(certificate))[0] == 404
    # Staff: everything.
    client.force_login(staff)
    assert download(client, public_url(certificate)) == (200, b"%PDF-")
    client.logout()
    # Registrants through their private link: the session's documents, only their own certificate.
    assert download(client, token_url(registrant, conclusions)) == (200, b"%PDF-")
    assert download(client, token_url(registrant, certificate))[0] == 404
    assert download(client, token_url(attendee, certificate)) == (200, b"%PDF-")
    assert download(client, token_url(other_session_person, conclusions))[0] == 404
    assert download(client, token_url(other_session_person, certificate))[0] == 404
    # A wrong or truncated token, or a missing document.
    assert client.get(f"/en/registrations/{attendee.token[:-1]}x/documents/{certificate.pk}/").status_code == 404
    assert client.get(f"/en/registrations/{'x' * 500}/documents/{certificate.pk}/").status_code == 404
    assert client.get(reverse("outcomes:document_download", kwargs={"pk": 999999})).status_code == 404


def test_public_conclusions_are_downloadable_by_anyone_once_published(
    client, rendered, django_capture_on_commit_callbacks
):
    session, _attendee, _registrant = rendered
    write_conclusions(session=session, bodies={}, is_public=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish_conclusions(session=session, announce=False)
    conclusions = doc("conclusions", "es")
    assert conclusions.version == 1
    assert download(client, reverse("outcomes:document_download", kwargs={"pk": conclusions.pk})) == (
        200,
        b"%PDF-",
    )


def test_my_documents_page_lists_what_the_registrant_may_download(client, rendered):
    _session, attendee, registrant = rendered
    with translation.override("pt"):
        url = reverse("outcomes:my_documents", kwargs={"token": attendee.token})
    page = client.get(url).content.decode()
    assert page.count('type="application/pdf"') == 12  # 3 kinds x 3 languages + the certificate in 3
    # The attendee's own language first, the other two after it.
    assert re.findall(r">(Certificado de participação · [^<]+)</a>", page) == [
        "Certificado de participação · Português",
        "Certificado de participação · Inglês",
        "Certificado de participação · Espanhol",
    ]
    with translation.override("es"):
        url = reverse("outcomes:my_documents", kwargs={"token": registrant.token})
    page = client.get(url).content.decode()
    assert page.count('type="application/pdf"') == 9
    assert "Certificado" not in page


@pytest.mark.parametrize("attendees", [1, 6])
def test_my_documents_page_query_count(client, rendered, django_assert_num_queries, attendees):
    session, attendee, _registrant = rendered
    for _ in range(attendees - 1):
        extra = RegistrationFactory(session=session, status=Registration.Status.ATTENDED)
        documents.render_certificate(registration=extra)
    url = reverse("outcomes:my_documents", kwargs={"token": attendee.token})
    with django_assert_num_queries(3):  # the registration, the documents, the presentations
        response = client.get(url)
    assert response.content.decode().count('type="application/pdf"') == 12
