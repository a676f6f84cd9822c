"""Documents worth publishing: typed paragraphs and lists survive, empty sections cost no page,
and a certificate is a certificate (one landscape page, no running header, a code anyone can check)."""

import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils import translation

from registrations.models import Contribution
from sessions_app.models import Certificate, Document, RoadmapItem
from sessions_app.outcomes import documents
from sessions_app.outcomes.conclusions import write_conclusions
from tests.factories import RegistrationFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = [pytest.mark.django_db, pytest.mark.pdf]

TYPED = """The group agreed on three points.

1. Map the alternatives to imprisonment in each country.
2. Share *good practice* with the focal points.
3. Meet again in **October**.

Next steps:
- a regional report
- a guide for judges

The secretariat will circulate the minutes."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def reader(document):
    with document.file.open("rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read()))


def lines(document):
    text = "\n".join(page.extract_text() for page in reader(document).pages)
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_typed_conclusions_keep_their_numbering_and_paragraphs():
    session, _attendee, _registrant = build_held_session()
    write_conclusions(session=session, bodies={"en": TYPED})

    document = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="en")

    # Without the running header and page number, which a page break may put between two items.
    found = [line for line in lines(document) if not re.match(r"COPOLAD III · Outcome|Page \d+ / \d+$", line)]
    start = found.index("The group agreed on three points.")
    # Each paragraph on its own line, each list item on its own line after its marker.
    assert found[start : start + 8] == [
        "The group agreed on three points.",
        "1. Map the alternatives to imprisonment in each country.",
        "2. Share good practice with the focal points.",
        "3. Meet again in October.",
        "Next steps:",
        "• a regional report",
        "• a guide for judges",
        "The secretariat will circulate the minutes.",
    ]


def test_empty_sections_are_a_line_of_the_contents_not_a_page():
    session, _attendee, _registrant = build_held_session()
    full = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="en")
    RoadmapItem.objects.filter(group=session.group).delete()
    Contribution.objects.filter(session=session).delete()

    emptier = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="en")

    text = " ".join(lines(emptier))
    assert "Roadmap: no roadmap actions yet." in text
    assert "Annex: the countries' answers to the guiding questions: no country submitted answers." in text
    assert len(reader(emptier).pages) <= len(reader(full).pages)
    # The cover, then everything else flows: no page is left for a heading with nothing under it.
    assert len(reader(emptier).pages) == 2


def test_certificate_is_one_landscape_page_without_running_header_and_with_a_code():
    session, attendee, _registrant = build_held_session()

    document = documents.render_certificate(registration=attendee)

    pages = reader(document).pages
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    text = " ".join(lines(document))
    certificate = Certificate.objects.get(registration=attendee)
    assert document.language == "pt"
    assert "Certificado de participação" in text
    assert "João Gonçalves Núñez" in text
    assert certificate.code in text
    with translation.override("pt"):
        path = reverse("outcomes:verify_certificate", kwargs={"code": certificate.code})
    assert path in text.replace(" ", "")
    assert "Página" not in text and "Page" not in text  # no running header or page number
    assert "Sessão 2 ·" not in text
    assert re.search(r"Emitido em \d{1,2} de \w+ de \d{4}", text)


def test_verification_page_answers_for_the_right_session_and_404_for_a_wrong_code(client):
    session, attendee, _registrant = build_held_session()
    documents.render_certificate(registration=attendee)
    code = Certificate.objects.get(registration=attendee).code

    page = client.get(f"/en/certificates/{code}/").content.decode()
    assert "This certificate is genuine." in page
    assert re.search(r"Holder's initials</dt><dd[^>]*>([^<]+)<", page).group(1) == "J. G. N."
    assert f"Session {session.number}: Inclusive mechanisms to reduce the inequality gap" in page
    assert "10 May 2023, 15:30 (Madrid time, UTC+02:00)" in page
    assert "João" not in page and attendee.email not in page

    # Typed by hand, in lower case with spaces: the canonical address.
    response = client.get("/en/certificates/verify/", {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response["Location"] == f"/en/certificates/{code}/"

    wrong = client.get("/en/certificates/ABCD-EFGH-JKMN/")
    assert wrong.status_code == 404
    assert "No certificate has this code." in wrong.content.decode()
    assert client.get("/en/certificates/%3Cscript%3E/").status_code == 404


def test_a_certificate_no_longer_verifies_once_attendance_is_withdrawn(client):
    session, attendee, _registrant = build_held_session()
    documents.render_certificate(registration=attendee)
    code = Certificate.objects.get(registration=attendee).code
    assert client.get(f"/en/certificates/{code}/").status_code == 200
    attendee.status = "confirmed"
    attendee.save()

    response = client.get(f"/en/certificates/{code}/")

    assert response.status_code == 404
    assert "This certificate is genuine." not in response.content.decode()


def test_each_attendee_has_their_own_code():
    session, attendee, _registrant = build_held_session()
    other = RegistrationFactory(session=session, status="attended", full_name="Ana Ruiz")
    documents.render_certificate(registration=attendee)
    documents.render_certificate(registration=other)
    documents.render_certificate(registration=other)  # again: the same certificate
    assert Certificate.objects.count() == 2
    assert len(set(Certificate.objects.values_list("code", flat=True))) == 2
