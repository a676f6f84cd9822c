"""Error pages speak the visitor's language and keep to the Content-Security-Policy (no inline
styles): Django's own 403 (CSRF), 404 and 500 pages are English and styled inline."""

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from registrations.models import Institution


def test_form_sent_without_csrf_token_gets_a_page_in_the_users_language(focal_point_uruguay):
    client = Client(enforce_csrf_checks=True)
    client.force_login(focal_point_uruguay.user)
    with translation.override("es"):
        url = reverse("focal_points:institution_create")
    response = client.post(url, {"name": "Junta Nacional de Drogas", "kind": "ministry"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>El formulario ha caducado</title>" in html
    assert "<style" not in html
    assert Institution.objects.count() == 0


def test_unknown_private_link_gets_a_page_not_found_in_portuguese(db, client):
    response = client.get("/pt/registrations/r/not-a-real-token/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Página não encontrada</title>" in html
    assert '<html lang="pt">' in html
    assert "<style" not in html


def test_signed_in_user_who_is_not_a_focal_point_is_told_why_in_spanish(outsider, client):
    client.force_login(outsider)
    response = client.get("/es/focal-point/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Acceso denegado</title>" in html
    assert "<p>Esta área es para los puntos focales de los países.</p>" in html


def test_server_error_page_renders_without_a_request():
    # Django renders 500.html with an empty context: it must not need base.html's request tags.
    with translation.override("es"):
        html = render_to_string("500.html")
    assert "<title>Algo salió mal</title>" in html
    assert "<style" not in html


def test_request_too_large_to_read_gets_a_page_in_the_users_language(focal_point_uruguay, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(focal_point_uruguay.user)
    response = client.post("/es/focal-point/institutions/new/", {"name": "x" * 2000, "kind": "ministry"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>No se pudo leer la solicitud</title>" in html
    assert "<style" not in html
    assert Institution.objects.count() == 0


def test_a_database_failing_in_a_middleware_gives_a_signed_in_person_the_busy_page(focal_point_uruguay, monkeypatch):
    from django.contrib import auth
    from django.db import OperationalError

    client = Client(raise_request_exception=False)
    client.force_login(focal_point_uruguay.user)

    def unreachable(request):
        raise OperationalError("connection to server at 127.0.0.1 failed: timeout expired")

    # Middleware reads request.user in its own __call__ (the audit log's, the second factor's):
    # the session's user is what the database cannot give.
    monkeypatch.setattr(auth, "get_user", unreachable)
    response = client.get("/es/focal-point/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "<title>El portal está ocupado</title>" in response.content.decode()


def test_any_other_error_in_a_middleware_is_still_the_500_page(focal_point_uruguay, monkeypatch):
    from django.contrib import auth

    client = Client(raise_request_exception=False)
    client.force_login(focal_point_uruguay.user)

    def broken(request):
        raise RuntimeError("a bug, not the database")

    monkeypatch.setattr(auth, "get_user", broken)
    response = client.get("/es/focal-point/")

    assert response.status_code == 500
    assert "<title>Algo salió mal</title>" in response.content.decode()
