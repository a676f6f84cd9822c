"""'Check your inbox' shows the address this browser typed and sends the message again on request,
with the same answer whether or not a registration matches."""

import re

import pytest
from django.test import Client

from registrations.models import Delivery
from tests.factories import SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def register(client, session, email):
    return client.post(f"/es/registrations/sessions/{session.slug}/register/", form_data(email), follow=True)


def test_the_page_shows_the_address_typed_and_sends_the_confirmation_again(client, django_capture_on_commit_callbacks):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        page = register(client, session, "ana@example.org").content.decode()

    assert re.search(r'<p id="sent-to">.*?<strong[^>]*>(.*?)</strong>', page, re.S).group(1) == "ana@example.org"
    assert 'id="send-again"' in page

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/es/registrations/sessions/{session.slug}/register/done/", follow=True)

    assert [str(message) for message in again.context["messages"]] == [
        "Si hay una inscripción con esa dirección, le hemos enviado el mensaje de nuevo."
    ]
    assert list(Delivery.objects.order_by("pk").values_list("kind", "to_email")) == [
        ("registration_confirm", "ana@example.org"),
        ("registration_confirm", "ana@example.org"),
    ]


def test_another_browser_sees_no_address_and_sends_nothing(client):
    session = SessionFactory()
    register(client, session, "ana@example.org")
    stranger = Client()

    page = stranger.get(f"/es/registrations/sessions/{session.slug}/register/done/").content.decode()
    stranger.post(f"/es/registrations/sessions/{session.slug}/register/done/")

    assert "ana@example.org" not in page
    assert 'id="send-again"' not in page
    assert Delivery.objects.count() == 1


def test_a_forged_cookie_is_ignored(client):
    session = SessionFactory()
    client.cookies[f"typed_address_{session.pk}"] = "victim@example.org"

    page = client.get(f"/es/registrations/sessions/{session.slug}/register/done/").content.decode()
    client.post(f"/es/registrations/sessions/{session.slug}/register/done/")

    assert "victim@example.org" not in page
    assert Delivery.objects.count() == 0


def test_where_a_person_looks_for_their_link_the_find_my_registration_page_is_offered(client):
    session = SessionFactory()
    register(client, session, "ana@example.org")

    pages = {
        "check your inbox": client.get(f"/es/registrations/sessions/{session.slug}/register/done/"),
        "register form": client.get(f"/es/registrations/sessions/{session.slug}/register/"),
        "dead private link": client.get("/es/registrations/r/not-a-key-at-all-0000000000000000000000/"),
    }

    links = {
        name: re.findall(
            r'<p class="small find-registration-link">.*?<a href="([^"]+)">(.*?)</a>', response.content.decode()
        )
        for name, response in pages.items()
    }
    assert links == {name: [("/es/registrations/find/", "Encontrar mi inscripción")] for name in pages}
    assert pages["dead private link"].status_code == 404
