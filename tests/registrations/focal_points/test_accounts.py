"""The allauth adapter: e-mails name the portal, and signing out keeps the visitor's language."""

import re

import pytest
from allauth.account.models import EmailAddress

from registrations.models import Delivery
from registrations.outbox import tasks  # noqa: F401 - registers the send task, so the eager run finds it by name


def test_password_reset_email_names_the_portal_not_example_com(
    focal_point_uruguay, client, mailoutbox, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=focal_point_uruguay.user, email="fp.uy@example.org", verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/es/accounts/password/reset/", {"email": "fp.uy@example.org"})
    assert response.status_code == 302
    # Through the outbox, like every message: a row first, then sent by the (here eager) task.
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.to_email, delivery.language, delivery.status) == (
        "account",
        "fp.uy@example.org",
        "es",
        Delivery.Status.SENT,
    )
    [message] = mailoutbox
    assert message.subject == "[Grupo de Trabajo COPOLAD III] Correo electrónico para restablecer contraseña"
    assert "example.com" not in message.body
    assert message.body.startswith("¡Hola de parte de Grupo de Trabajo COPOLAD III!")


def test_signing_out_keeps_the_language_in_use(focal_point_uruguay, client):
    client.force_login(focal_point_uruguay.user)
    response = client.post("/es/accounts/logout/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == "/es/"


def _links_to_password_reset(body, href):
    return re.findall(rf'<a [^>]*href="{re.escape(href)}"[^>]*>([^<]*)</a>', body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Forgot your password?"), ("es", "¿Olvidó su contraseña?"), ("pt", "Esqueceu a senha?")],
)
def test_sign_in_page_offers_the_password_reset_link_once(client, language, text):
    body = client.get(f"/{language}/accounts/login/").content.decode()

    assert _links_to_password_reset(body, f"/{language}/accounts/password/reset/") == [text]


@pytest.mark.parametrize("host", ["localhost:9999", "127.0.0.1:8000", "evil.example"])
def test_reset_links_use_site_url_whatever_the_host_header(
    focal_point_uruguay, client, mailoutbox, settings, django_capture_on_commit_callbacks, host
):
    settings.SITE_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "evil.example", "testserver"]
    EmailAddress.objects.create(user=focal_point_uruguay.user, email="fp.uy@example.org", verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/es/accounts/password/reset/", {"email": "fp.uy@example.org"}, HTTP_HOST=host)
        # An address with no account gets a message too, with a link of its own.
        client.post("/es/accounts/password/reset/", {"email": "nobody@example.org"}, HTTP_HOST=host)

    known, unknown = mailoutbox
    links = re.findall(r"https?://\S+", known.body + unknown.body)
    assert len(links) >= 2
    assert [link for link in links if not link.startswith("https://portal.example.org/")] == []
    assert re.search(r"https://portal.example.org/es/accounts/password/reset/key/\S+/", known.body)
    assert "https://portal.example.org/es/accounts/signup/" in unknown.body


def test_a_sent_reset_message_keeps_no_copy_of_its_link(
    focal_point_uruguay, client, mailoutbox, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=focal_point_uruguay.user, email="fp.uy@example.org", verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/es/accounts/password/reset/", {"email": "fp.uy@example.org"})

    [message] = mailoutbox
    [link] = re.findall(r"https?://\S+/password/reset/key/\S+", message.body)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.subject) == (Delivery.Status.SENT, message.subject)
    assert (delivery.body_text, delivery.body_html) == ("", "")
