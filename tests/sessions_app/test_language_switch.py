"""The language switcher: links to the page being read, in the other languages; no form, no token."""

import re

import pytest
from django.core.management import call_command

S3 = "/sessions/session-3-alternatives-to-imprisonment/"


def _switcher(body):
    """[(language, href, current)] of the switcher's links."""
    block = re.search(r'<ul class="nav language-switcher[^"]*".*?</ul>', body, re.S).group(0)
    return [
        (code, href, "aria-current" in attrs)
        for attrs, href, code in re.findall(r'<a class="nav-link[^"]*"([^>]*?)href="([^"]+)" lang="(\w+)"', block)
    ]


@pytest.mark.django_db
def test_the_switcher_links_to_the_same_page_in_each_language(client):
    call_command("load_demo")

    body = client.get(f"/pt{S3}", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert _switcher(body) == [("en", f"/en{S3}", False), ("es", f"/es{S3}", False), ("pt", f"/pt{S3}", True)]
    assert "csrfmiddlewaretoken" not in body
    # The header holds links and a GET search form: nothing with a CSRF token or anything per visitor.
    assert 'method="post"' not in body.split("<main")[0]


@pytest.mark.django_db
def test_following_the_spanish_link_shows_the_page_in_spanish(client):
    call_command("load_demo")
    body = client.get(f"/pt{S3}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = {code: href for code, href, _current in _switcher(body)}["es"]

    response = client.get(spanish, HTTP_ACCEPT_LANGUAGE="pt")

    page = response.content.decode()
    assert page.count('<html lang="es">') == 1
    assert re.search(r"<a id=\"register-button\"[^>]*>Inscribirme</a>", page)


@pytest.mark.django_db
def test_the_switcher_on_the_home_page_links_to_the_home_page(client):
    body = client.get("/es/").content.decode()

    assert _switcher(body) == [("en", "/en/", False), ("es", "/es/", True), ("pt", "/pt/", False)]


@pytest.mark.django_db
def test_on_a_page_that_does_not_exist_the_switcher_links_home(client):
    body = client.get("/es/no-such-page/").content.decode()

    assert _switcher(body) == [("en", "/en/", False), ("es", "/es/no-such-page/", True), ("pt", "/pt/", False)]


def test_the_switcher_renders_without_a_request():
    """Some error pages are rendered without a request: the switcher then links home, never fails."""
    from django.template import Context, Template

    rendered = Template("{% load language_switch %}{% language_links as links %}{{ links|length }}").render(Context({}))

    assert rendered == "3"
