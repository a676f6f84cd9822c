"""Stored documents (certificates, unpublished conclusions) are reachable only through the
download views that check who is asking, never by their file name under MEDIA_URL."""

import importlib

import pytest
from django.urls import clear_url_caches


@pytest.fixture
def debug_urls(settings, tmp_path):
    """The URL configuration as `manage.py runserver` with DEBUG=1 builds it."""
    import copolad_wg.urls

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    importlib.reload(copolad_wg.urls)
    clear_url_caches()
    yield tmp_path
    settings.DEBUG = False
    importlib.reload(copolad_wg.urls)
    clear_url_caches()


def test_a_certificate_is_not_served_by_its_file_name_even_in_debug(db, client, debug_urls):
    certificate = debug_urls / "documents" / "1" / "session-2-certificate-7-es-v1.pdf"
    certificate.parent.mkdir(parents=True)
    certificate.write_bytes(b"%PDF-1.7 Ana Perez attended")
    response = client.get("/media/documents/1/session-2-certificate-7-es-v1.pdf")
    assert response.status_code == 404
    assert b"Ana Perez" not in response.content
