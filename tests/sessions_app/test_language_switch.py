"""The language switcher keeps the visitor on the page they were reading."""

import re

import pytest
from django.core.management import call_command

S3 = "/sessions/session-3-alternatives-to-imprisonment/"


def _switcher_next(body):
    return re.search(r'<input name="next" type="hidden" value="([^"]*)">', body).group(1)


@pytest.mark.django_db
def test_switching_from_portuguese_to_spanish_in_a_spanish_browser_shows_the_page_in_spanish(client):
    """The active language of the switch request (browser: Spanish) differs from the page's (pt)."""
    call_command("load_demo")
    page = client.get(f"/pt{S3}?x=1", HTTP_ACCEPT_LANGUAGE="es")
    next_path = _switcher_next(page.content.decode())

    response = client.post(
        "/i18n/setlang/", {"language": "es", "next": next_path}, HTTP_ACCEPT_LANGUAGE="es", follow=True
    )

    assert response.redirect_chain[-1][0] == f"/es{S3}?x=1"
    assert response.content.decode().count('<html lang="es">') == 1
    assert re.search(r"<a id=\"register-button\"[^>]*>Inscribirme</a>", response.content.decode())


@pytest.mark.django_db
def test_switching_from_spanish_to_english_in_a_portuguese_browser_keeps_the_home_page(client):
    call_command("load_demo")
    next_path = _switcher_next(client.get("/es/", HTTP_ACCEPT_LANGUAGE="pt").content.decode())

    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": next_path}, HTTP_ACCEPT_LANGUAGE="pt", follow=True
    )

    assert response.redirect_chain[-1][0] == "/en/"
    assert re.search(r"<h1[^>]*>Working group sessions</h1>", response.content.decode())


def test_the_switcher_path_renders_without_a_request():
    """Some error pages are rendered without a request: the switcher then goes home, never fails."""
    from django.template import Context, Template

    rendered = Template("{% load language_switch %}{% path_without_language %}").render(Context({}))

    assert rendered == "/"
