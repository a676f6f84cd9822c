"""Certificates worth framing: no more minutes than the session lasted, the group's own signatory
and logos, a QR code that a phone reads as the verification address, and a minimum attendance."""

import io

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from common.links import absolute_reverse
from registrations.models import Registration
from sessions_app.models import Certificate, GroupLogo
from sessions_app.outcomes import documents, publishing
from sessions_app.outcomes.certificates import certificate_refusal
from tests.factories import RegistrationFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_bytes(document):
    with document.file.open("rb") as handle:
        return handle.read()


def text_of(document):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(document)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_certificate_never_says_more_minutes_than_the_session_lasted():
    session, attendee, _registrant = build_held_session()
    attendee.attended_minutes = 92  # the report counted the waiting room
    attendee.save()

    text = text_of(documents.render_certificate(registration=attendee, language="es"))

    assert f"Asistió {session.duration_minutes} minutos de la sesión de {session.duration_minutes} minutos." in text
    assert "92" not in text


def test_the_certificate_carries_a_qr_code_that_decodes_to_its_verification_url():
    _session, attendee, _registrant = build_held_session()

    document = documents.render_certificate(registration=attendee, language="en")

    code = Certificate.objects.get(registration=attendee).code
    page = pypdfium2.PdfDocument(pdf_bytes(document))[0]
    image = page.render(scale=3).to_pil()
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    url = absolute_reverse("outcomes:verify_certificate", kwargs={"code": code}, language="en")
    assert decoded == [url]
    assert url.endswith(f"/certificates/{code}/")
    assert url in text_of(document).replace(" ", "")  # the printed address may wrap at a hyphen


def test_the_signatory_is_the_working_groups_own_in_the_certificates_language():
    session, attendee, _registrant = build_held_session()
    group = session.group
    group.signatory_name = "María Pérez Gómez"
    group.signatory_title_en = "Coordinator of the working group"
    group.signatory_title_pt = "Coordenadora do grupo de trabalho"
    group.save()

    text = text_of(documents.render_certificate(registration=attendee, language="pt"))

    assert "María Pérez Gómez Coordenadora do grupo de trabalho COPOLAD III" in text
    assert "Coordinator of the working group" not in text


def png_bytes(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_logos_are_printed_and_no_logo_falls_back_to_the_programmes_name():
    session, attendee, _registrant = build_held_session()
    without = pdf_bytes(documents.render_certificate(registration=attendee, language="en"))
    assert len(pypdf.PdfReader(io.BytesIO(without)).pages[0].images) == 0
    assert "COPOLAD III" in text_of(documents.render_certificate(registration=attendee, language="en"))

    GroupLogo.objects.create(
        group=session.group,
        description="European Union",
        image=SimpleUploadedFile("eu.png", png_bytes("navy"), content_type="image/png"),
    )
    document = documents.render_certificate(registration=attendee, language="en")

    images = pypdf.PdfReader(io.BytesIO(pdf_bytes(document))).pages[0].images
    assert len(images) == 1
    assert images[0].image.size == (60, 30)


def test_no_certificate_below_the_sessions_minimum_attendance_and_staff_read_why():
    session, attendee, _registrant = build_held_session()
    session.certificate_min_percent = 75  # of 90 minutes: 68 minutes
    session.save()
    latecomer = RegistrationFactory(
        session=session, full_name="Ana Late", status=Registration.Status.ATTENDED, attended_minutes=30
    )

    assert documents.render_certificate(registration=latecomer) is None
    assert documents.render_certificate(registration=attendee) is not None
    assert not Certificate.objects.filter(registration=latecomer).exists()
    assert list(documents.certificate_holders(session)) == [attendee]
    assert publishing.publication_plan(session).certificates == 1
    with translation.override("es"):
        assert certificate_refusal(registration=latecomer) == (
            "Asistió 30 de 90 minutos; los certificados de esta sesión exigen el 75 % (68 minutos)."
        )
    assert certificate_refusal(registration=attendee) is None


@pytest.mark.parametrize(
    "path",
    ["uploaded/../settings.py", "uploaded/documents/1/x.pdf", "uploaded/logos/../../x", "uploaded/logos//x.png"],
)
def test_the_pdf_renderer_reads_uploaded_logos_and_nothing_else_from_the_storage(path):
    from sessions_app.outcomes.pdf import PDF_BASE_URL, _uploaded_name

    assert _uploaded_name(PDF_BASE_URL + path) is None
