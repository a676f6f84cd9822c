"""The shared upload rules: a file is what its bytes say, within the size the settings allow."""

import io

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation

from common import uploads
from tests.sessions_app.pages import status_and_headings
from tests.support import documents


def _upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (documents.PDF_BYTES, "pdf"),
        (documents.pptx(), "pptx"),
        (documents.docx(), "docx"),
        (documents.odp(), "odp"),
        (documents.odt(), "odt"),
    ],
)
def test_each_accepted_kind_is_recognised_by_its_content(data, code):
    assert uploads.sniff(io.BytesIO(data)).code == code


def test_a_pdf_renamed_exe_is_still_a_pdf_and_an_executable_renamed_pdf_is_refused():
    assert uploads.validate_upload(_upload("slides.exe", documents.PDF_BYTES)).code == "pdf"
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("slides.pdf", documents.EXE_BYTES, "application/pdf"))
    assert refusal.value.code == "executable"


@pytest.mark.parametrize("data", [documents.ELF_BYTES, b"#!/bin/sh\nrm -rf /\n"])
def test_other_programs_are_refused_whatever_their_name(data):
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("paper.docx", data))
    assert refusal.value.code == "executable"


def test_a_zip_that_is_not_an_office_document_is_refused_even_named_pptx():
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("slides.pptx", documents.plain_zip()))
    assert refusal.value.code == "type"


def test_an_odf_mimetype_without_content_is_refused():
    data = documents._zip(
        {"META-INF/manifest.xml": "<m/>"}, first=("mimetype", "application/vnd.oasis.opendocument.text")
    )
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("x.odt", data))
    assert refusal.value.code == "type"


def test_a_document_with_macros_is_refused():
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("report.docx", documents.docm()))
    assert refusal.value.code == "macros"


def test_an_empty_file_and_text_are_refused():
    for data, code in ((b"", "empty"), (b"hello, just text", "type")):
        with pytest.raises(ValidationError) as refusal:
            uploads.validate_upload(_upload("a.pdf", data))
        assert refusal.value.code == code


def test_an_oversized_file_is_refused_with_both_sizes_in_the_uploaders_language(settings):
    settings.UPLOAD_MAX_SIZE = 1000
    with translation.override("es"), pytest.raises(ValidationError) as refusal:
        uploads.validate_upload(_upload("big.pdf", documents.PDF_BYTES + b"x" * 2000))
    assert refusal.value.code == "too_large"
    with translation.override("es"):
        message = refusal.value.messages[0]
    assert message == "El archivo ocupa 2,0\xa0KB; los archivos pueden ocupar como máximo 1000\xa0bytes."


def test_the_form_field_gives_the_kind_and_a_translated_message():
    class Form(forms.Form):
        file = uploads.DocumentField()

    form = Form(files={"file": _upload("a.pptx", documents.pptx())})
    assert form.is_valid()
    assert form.cleaned_data["file"].kind == uploads.PPTX
    with translation.override("pt"):
        form = Form(files={"file": _upload("a.pdf", documents.EXE_BYTES)})
        assert not form.is_valid()
        assert form.errors["file"] == [
            "Programas não podem ser enviados. Escolha um documento PDF, PPTX, DOCX, ODP ou ODT."
        ]
    assert 'accept=".pdf,.pptx,.docx,.odp,.odt"' in str(Form()["file"])


def test_clean_filename_takes_the_extension_of_what_the_file_is():
    assert uploads.clean_filename("../../Résumé final.exe", kind=uploads.PDF) == "resume-final.pdf"
    assert uploads.clean_filename("", kind=uploads.ODP) == "document.odp"


def test_storage_names_are_random_under_their_prefix():
    first = uploads.storage_name("presentations", "a.pdf")
    second = uploads.storage_name("presentations", "a.pdf")
    assert first != second
    assert first.startswith("presentations/") and first.endswith("/a.pdf")


def test_file_response_streams_through_the_storage_api_and_404s_a_missing_file(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save(uploads.storage_name("t", "a.pdf"), io.BytesIO(documents.PDF_BYTES))

    class Holder:
        def open(self, mode):
            return default_storage.open(name, mode)

    response = uploads.file_response(Holder(), filename="a.pdf", kind_code="pdf", public=False)
    assert b"".join(response.streaming_content) == documents.PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    default_storage.delete(name)

    from django.http import Http404

    with pytest.raises(Http404):
        uploads.file_response(Holder(), filename="a.pdf", kind_code="pdf", public=True)


def test_the_body_limit_grows_only_for_views_that_take_uploads(settings):
    from copolad_wg.middleware import _upload_limit

    settings.UPLOAD_MAX_SIZE = 10_000_000
    factory = RequestFactory()
    admin_post = factory.post("/admin/agenda/agendaitem/add/", data={}, content_type="multipart/form-data; boundary=x")
    plain_post = factory.post(
        "/admin/agenda/agendaitem/add/", data="a=1", content_type="application/x-www-form-urlencoded"
    )
    assert _upload_limit(admin_post) == 10_000_000 + 1_048_576
    assert _upload_limit(plain_post) == 0


def test_a_stored_file_whose_object_store_is_down_gets_the_busy_page(settings):
    from django.db.models.fields.files import FieldFile

    from tests.support.objectstore import Bucket
    from tests.support.smtp import free_port

    # A bucket on a port where nothing listens.
    settings.STORAGES = Bucket(endpoint_url=f"http://127.0.0.1:{free_port()}", name="copolad-down").storages(
        settings.STORAGES
    )
    fieldfile = FieldFile(None, type("Field", (), {"storage": default_storage})(), "presentations/1/slides.pdf")

    response = uploads.file_response(fieldfile, filename="slides.pdf", kind_code="pdf", public=False)

    assert (response.status_code, response["Retry-After"], response["Cache-Control"]) == (
        503,
        "30",
        "private, no-store",
    )
    assert status_and_headings(response) == (503, ["The portal is busy"])
