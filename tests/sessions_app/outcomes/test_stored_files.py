"""Files on object storage: with a bucket configured (AWS_STORAGE_BUCKET_NAME), documents and
certificates are objects in it, downloads still go through the views that check who asks, and
`copy_media` moves existing local files in (and back out, for backups).

The bucket is moto's S3 server, a real process on 127.0.0.1 (tests/support/objectstore.py). PDF
rendering is a stub here: what is tested is where the bytes go.
"""

import urllib.error
import urllib.request

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from sessions_app.models import Document
from sessions_app.outcomes import documents, pdf
from tests.sessions_app.after_session_data import build_held_session
from tests.support.objectstore import Bucket
from tests.support.smtp import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-1.7 stub " + html[:60].encode())
    return settings.MEDIA_ROOT


@pytest.fixture
def held():
    return build_held_session()


def test_with_a_bucket_a_published_pdf_and_a_certificate_are_objects_in_it_and_the_media_folder_stays_empty(
    bucket, held, media_root
):
    session, attendee, _registrant = held

    conclusions = documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="es")
    certificate = documents.render_certificate(registration=attendee, language="pt")

    assert bucket.objects() == {
        conclusions.file.name: conclusions.file.open("rb").read(),
        certificate.file.name: certificate.file.open("rb").read(),
    }
    assert sorted(bucket.objects()) == sorted(
        [
            f"documents/{session.pk}/{session.slug}-conclusions-es-v1.pdf",
            f"documents/{session.pk}/{session.slug}-certificate-{attendee.pk}-pt-v1.pdf",
        ]
    )
    assert bucket.objects()[conclusions.file.name].startswith(b"%PDF-1.7 stub ")
    assert not media_root.exists()


def test_a_participants_only_document_is_served_by_the_view_and_refused_by_its_object_url(bucket, held, client):
    session, attendee, _registrant = held
    certificate = documents.render_certificate(registration=attendee, language="pt")
    stored = bucket.objects()[certificate.file.name]

    # The attendee's private link: the view checks, then streams the object.
    own = client.get(reverse("outcomes:my_document_download", kwargs={"token": attendee.token, "pk": certificate.pk}))
    assert (own.status_code, b"".join(own.streaming_content)) == (200, stored)
    assert own["Cache-Control"] == "private, no-store"

    # Anyone else through the portal: the same 404 as for a document that does not exist.
    assert client.get(reverse("outcomes:document_download", kwargs={"pk": certificate.pk})).status_code == 404
    # The object's own address, without the signature only the portal can make: refused by the store.
    object_url = f"{bucket.endpoint_url}/{bucket.name}/{certificate.file.name}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(object_url, timeout=10)  # noqa: S310 - a fixed http:// URL of the test store
    assert refused.value.code == 403
    # The documents page links to the view, never to the store.
    page = client.get(reverse("outcomes:my_documents", kwargs={"token": attendee.token})).content.decode()
    assert bucket.endpoint_url not in page
    assert reverse("outcomes:my_document_download", kwargs={"token": attendee.token, "pk": certificate.pk}) in page


def test_a_download_while_the_object_store_is_down_gets_the_busy_page(held, client, settings):
    _session, attendee, _registrant = held
    certificate = documents.render_certificate(registration=attendee, language="pt")
    # A bucket on a port where nothing listens.
    down = Bucket(endpoint_url=f"http://127.0.0.1:{free_port()}", name="copolad-down")
    settings.STORAGES = down.storages(settings.STORAGES)

    with translation.override("es"):
        url = reverse("outcomes:my_document_download", kwargs={"token": attendee.token, "pk": certificate.pk})
    response = client.get(url)

    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert "<title>El portal está ocupado</title>" in response.content.decode()


def write_media(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_copy_media_copies_local_files_into_the_bucket_and_nothing_the_second_time(bucket, media_root):
    files = {
        "documents/1/session-2-conclusions-es-v1.pdf": b"%PDF conclusions",
        "documents/1/session-2-certificate-7-pt-v1.pdf": b"%PDF certificate",
        "presentations/3/slides.pdf": b"%PDF slides",
    }
    write_media(media_root, files)

    first = call_media_command()
    second = call_media_command()

    assert first == f"{media_root} → the storage: copied 3 files (43 bytes), 0 already there\n"
    assert second == f"{media_root} → the storage: copied 0 files (0 bytes), 3 already there\n"
    assert bucket.objects() == files


def test_copy_media_to_a_folder_and_back_restores_the_bucket(bucket, media_root, tmp_path):
    files = {"documents/1/a.pdf": b"%PDF a", "documents/2/b.pdf": b"%PDF bb"}
    write_media(media_root, files)
    call_media_command()

    backup = tmp_path / "backup" / "media"
    assert (
        call_media_command("--to", str(backup))
        == f"the storage → {backup}: copied 2 files (13 bytes), 0 already there\n"
    )
    bucket.empty()
    assert (
        call_media_command("--from", str(backup))
        == f"{backup} → the storage: copied 2 files (13 bytes), 0 already there\n"
    )

    assert bucket.objects() == files


def test_copy_media_without_a_bucket_says_what_to_set(media_root):
    media_root.mkdir()
    with pytest.raises(CommandError, match="The storage is MEDIA_ROOT itself: set AWS_STORAGE_BUCKET_NAME"):
        call_media_command()


def call_media_command(*args):
    from io import StringIO

    out = StringIO()
    call_command("copy_media", *args, stdout=out)
    return out.getvalue()


def test_the_document_admin_links_to_the_download_view_not_to_the_bucket(bucket, held, client, staff):
    _session, attendee, _registrant = held
    certificate = documents.render_certificate(registration=attendee, language="pt")
    client.force_login(staff)

    page = client.get(reverse("admin:sessions_app_document_change", args=[certificate.pk])).content.decode()

    download = reverse("outcomes:document_download", kwargs={"pk": certificate.pk})
    assert f'<a href="{download}">{certificate.filename}</a>' in page
    assert bucket.endpoint_url not in page
