"""The PDFs hold what they must, in each language, and the renderer fetches nothing it should not."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pytest

from sessions_app.models import Document
from sessions_app.outcomes import documents, pdf
from sessions_app.outcomes.conclusions import write_conclusions
from tests.sessions_app.after_session_data import (
    ANSWER_MX,
    ANSWER_UY,
    CONCLUSIONS,
    DRAFT_ANSWER,
    ROADMAP_TITLES,
    build_held_session,
)

pytestmark = pytest.mark.pdf

TITLES = {
    "en": "Inclusive mechanisms to reduce the inequality gap",
    "es": "Mecanismos inclusivos para reducir la brecha de desigualdad",
    "pt": "Mecanismos inclusivos para reduzir a lacuna de desigualdade",
}
AGENDA = {
    "en": ["Opening", "Experiences of articulation", "Decriminalisation of consumption"],
    "es": ["Apertura", "Experiencias de articulación", "Descriminalización del consumo"],
    "pt": ["Abertura", "Experiências de articulação", "Descriminalização do consumo"],
}
SPEAKERS = ["Javier Sagredo", "Cátia Lima", "Beatriz López Lorca"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(document):
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def plain(html):
    return html.removeprefix("<p>").removesuffix("</p>")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_conclusions_pdf_holds_everything_in_its_language(language):
    session, _attendee, _registrant = build_held_session()

    document = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language=language)

    text = pdf_text(document)
    assert TITLES[language] in text
    for title in AGENDA[language]:
        assert title in text
    for name in SPEAKERS:
        assert name in text
    assert plain(CONCLUSIONS[language]) in text
    assert ROADMAP_TITLES[language] in text
    assert ANSWER_UY in text
    assert ANSWER_MX in text
    assert DRAFT_ANSWER not in text
    assert "15:30" in text
    assert ZONE_HEADINGS[language] in text and "Europe/Madrid" not in text
    assert "These conclusions are available" not in text


ZONE_HEADINGS = {"en": "Madrid time", "es": "Hora de Madrid", "pt": "Horário de Madrid"}


NOTES = {
    "es": "Estas conclusiones solo están disponibles en inglés.",
    "pt": "Estas conclusões só estão disponíveis em inglês.",
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "pt"])
def test_conclusions_written_in_english_only_say_so_in_the_document_language(language):
    session, _attendee, _registrant = build_held_session()
    write_conclusions(session=session, bodies={"es": "", "pt": "<p><br></p>"})

    text = pdf_text(documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language=language))

    conclusions = text[text.rindex("Conclus") : text.index(ROADMAP_TITLES[language])]
    assert NOTES[language] in conclusions
    assert conclusions.index(NOTES[language]) < conclusions.index(plain(CONCLUSIONS["en"]))
    assert plain(CONCLUSIONS[language]) not in text


@pytest.mark.django_db
def test_conclusions_fall_back_to_the_next_language_written_and_name_it():
    session, _attendee, _registrant = build_held_session()
    write_conclusions(session=session, bodies={"en": "", "pt": ""})

    text = pdf_text(documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="pt"))

    assert "Estas conclusões só estão disponíveis em espanhol." in text
    assert plain(CONCLUSIONS["es"]) in text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Document.Kind.CONCLUSIONS, Document.Kind.AGENDA])
def test_pdfs_write_the_utc_offset_as_the_pages_and_emails_do(kind):
    session, attendee, _registrant = build_held_session()

    text = pdf_text(documents.render_document(session=session, kind=kind, language="en"))
    certificate = pdf_text(documents.render_certificate(registration=attendee))

    assert "(Madrid time, UTC+02:00)" in text
    assert "(horário de Madrid, UTC+02:00)" in certificate  # the attendee reads Portuguese
    assert "UTC+0200" not in text + certificate


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date"),
    [("en", "10 May 2023, 15:30"), ("es", "10 de mayo de 2023, 15:30"), ("pt", "10 de maio de 2023, 15:30")],
)
def test_pdfs_write_dates_as_each_language_does(language, date):
    session, attendee, _registrant = build_held_session()
    attendee.language = language

    text = pdf_text(documents.render_document(session=session, kind=Document.Kind.AGENDA, language=language))
    certificate = pdf_text(documents.render_certificate(registration=attendee))

    assert date in text
    assert date in certificate
    assert "May 10" not in text + certificate and "Maio" not in text + certificate


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_roadmap_agenda_and_certificate_pdfs(language):
    session, attendee, _registrant = build_held_session()
    attendee.language = language

    roadmap = pdf_text(documents.render_document(session=session, kind=Document.Kind.ROADMAP, language=language))
    agenda = pdf_text(documents.render_document(session=session, kind=Document.Kind.AGENDA, language=language))
    certificate = pdf_text(documents.render_certificate(registration=attendee))

    assert ROADMAP_TITLES[language] in roadmap
    assert TITLES[language] in agenda
    for title in AGENDA[language]:
        assert title in agenda
    assert "João Gonçalves Núñez" in certificate
    assert TITLES[language] in certificate


@pytest.mark.django_db
def test_document_is_stored_with_checksum_and_tagged():
    import hashlib

    session, _attendee, _registrant = build_held_session()

    document = documents.render_document(session=session, kind=Document.Kind.AGENDA, language="es")

    with document.file.open("rb") as handle:
        data = handle.read()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.version == 1
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged PDF
    assert catalog["/Lang"] == "es"
    assert "/EmbeddedFiles" not in catalog.get("/Names", {})


class RecordingHandler(BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # the name http.server calls
        RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    RecordingHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def hostile_html(port):
    return (
        f'<p>Hostile <img src="http://127.0.0.1:{port}/x"> '
        '<a rel="attachment" href="file:///etc/hostname">hostname</a> '
        f'<link rel="attachment" href="http://127.0.0.1:{port}/attached">'
        f'<span style="background: url(http://127.0.0.1:{port}/css)">styled</span> '
        f'<iframe src="http://127.0.0.1:{port}/frame"></iframe>'
        f'<object data="file:///etc/passwd"></object></p>'
    )


def assert_no_attachment(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert b"/EmbeddedFile" not in data


@pytest.mark.django_db
def test_hostile_conclusions_fetch_nothing_and_embed_nothing(http_server):
    port = http_server.server_address[1]
    session, _attendee, _registrant = build_held_session()
    conclusions = write_conclusions(session=session, bodies={"en": hostile_html(port)})

    document = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="en")

    assert RecordingHandler.requests == []
    with document.file.open("rb") as handle:
        assert_no_attachment(handle.read())
    assert "Hostile" in pdf_text(document)
    assert conclusions.body_en == '<p>Hostile  <a rel="noopener noreferrer">hostname</a> styled </p>'


def test_renderer_refuses_everything_but_static_files_even_without_sanitising(http_server):
    """The fetcher is the second line of defence: raw hostile HTML straight into WeasyPrint."""
    port = http_server.server_address[1]
    fetcher = pdf.url_fetcher_class()()
    html = (
        '<html lang="en"><head><title>t</title><link rel="stylesheet" href="/static/css/pdf.css">'
        f'<link rel="attachment" href="file:///etc/hostname"></head><body>{hostile_html(port)}'
        '<a rel="attachment" href="file:///etc/hostname">a</a>'
        f'<img src="data:image/png;base64,iVBORw0KGgo="><img src="/static/../../../../etc/hostname"></body></html>'
    )

    data = pdf.html_to_pdf(html, fetcher=fetcher)

    assert RecordingHandler.requests == []
    assert_no_attachment(data)
    assert f"http://127.0.0.1:{port}/x" in fetcher.refused
    assert "file:///etc/hostname" in fetcher.refused
    assert not any(url.endswith("/static/css/pdf.css") for url in fetcher.refused)


def test_fetcher_serves_project_static_files_only():
    assert pdf._static_path(pdf.PDF_BASE_URL + "static/css/pdf.css").name == "pdf.css"
    assert pdf._static_path(pdf.PDF_BASE_URL + "static/../manage.py") is None
    assert pdf._static_path(pdf.PDF_BASE_URL + "static/%2e%2e/%2e%2e/manage.py") is None
    assert pdf._static_path("https://example.org/static/css/pdf.css") is None
    assert pdf._static_path("file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") is None
