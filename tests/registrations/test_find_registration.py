"""Find my registration: a person types their address and gets their private links by e-mail. The
answer is the same page for every address, registered or not; requests and e-mails are limited."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from registrations.models import Delivery, Registration
from tests.factories import RegistrationFactory, SessionFactory
from tests.sessions_app.pages import status_and_headings

pytestmark = pytest.mark.django_db

PRIVATE_LINK = re.compile(r"https?://\S+/registrations/r/([A-Za-z0-9_-]+)/")


def url(language="es"):
    with translation.override(language):
        return reverse("registrations:find_registration")


def ask(client, email, django_capture_on_commit_callbacks, language="es"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url(language), {"email": email})


def neutral(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())


def test_the_path_and_name_other_pages_link_to():
    assert url("es") == "/es/registrations/find/"
    assert url("pt") == "/pt/registrations/find/"


def test_a_known_address_gets_each_working_link_and_an_unknown_one_nothing(client, django_capture_on_commit_callbacks):
    first = RegistrationFactory(email="ana@example.org", language="pt", status=Registration.Status.CONFIRMED)
    second = RegistrationFactory(
        session=SessionFactory(starts_at=timezone.now() + timedelta(days=40)),
        email="Ana@Example.org",
        status=Registration.Status.PENDING,
    )

    ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    ask(client, "ANA@example.org", django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == ["Ana@Example.org", "ana@example.org"]
    opened = set()
    for message in mail.outbox:
        [key] = set(PRIVATE_LINK.findall(message.body))
        page = client.get(f"/es/registrations/r/{key}/")
        assert page.status_code == 200
        opened.add(page.context["registration"].pk)
    assert opened == {first.pk, second.pk}
    portuguese = next(message for message in mail.outbox if message.to == ["ana@example.org"])
    assert portuguese.subject.startswith("O link da sua inscrição: ")
    # The same link the person had: nothing re-issued, the earlier e-mail's link still works.
    assert set(PRIVATE_LINK.findall(portuguese.body)) == {first.token}
    # The stored copies hold no key.
    assert not any(
        first.token in body or second.token in body for body in Delivery.objects.values_list("body_text", flat=True)
    )


def test_both_answers_are_the_same_page(client, django_capture_on_commit_callbacks):
    RegistrationFactory(email="ana@example.org")

    known = ask(client, "ana@example.org", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert (
        (known.status_code, known["Location"])
        == (unknown.status_code, unknown["Location"])
        == (
            302,
            "/es/registrations/find/sent/",
        )
    )
    known_page, unknown_page = client.get(known["Location"]), client.get(unknown["Location"])
    assert neutral(known_page) == neutral(unknown_page)
    assert "Revise su correo" in known_page.content.decode()


def test_an_erased_or_expired_registration_is_not_sent(client, settings, django_capture_on_commit_callbacks):
    RegistrationFactory(email="ana@example.org", link_nonce=None, anonymised_at=timezone.now())
    expired = RegistrationFactory(email="ana@example.org", status=Registration.Status.PENDING)
    Registration.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=settings.PENDING_REGISTRATION_DAYS + 1)
    )

    response = ask(client, "ana@example.org", django_capture_on_commit_callbacks)

    assert response["Location"] == "/es/registrations/find/sent/"
    assert mail.outbox == []


def test_an_address_gets_at_most_its_limit_of_messages_whoever_asks(
    one_rate_window, client, settings, django_capture_on_commit_callbacks
):
    settings.FIND_REGISTRATION_EMAIL_RATE_LIMIT = (2, 86400)
    RegistrationFactory(email="ana@example.org")

    answers = []
    for _number in range(4):
        response = ask(client, "ana@example.org", django_capture_on_commit_callbacks)
        answers.append(response["Location"])
        client.cookies.clear()  # another browser each time: the address's limit is not the client's

    assert answers == ["/es/registrations/find/sent/"] * 4
    assert len(mail.outbox) == 2


def test_too_many_requests_from_one_client_get_the_429_page(
    one_rate_window, client, settings, django_capture_on_commit_callbacks
):
    settings.FIND_REGISTRATION_RATE_LIMIT = (3, 3600)

    answers = [ask(client, f"p{number}@example.org", django_capture_on_commit_callbacks) for number in range(4)]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert status_and_headings(answers[-1]) == (429, ["Demasiados intentos"])


def test_an_address_that_is_not_one_is_explained_and_sends_nothing(client, django_capture_on_commit_callbacks):
    response = ask(client, "not-an-address", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Introduzca una dirección de correo electrónico válida."]}
    assert mail.outbox == []
