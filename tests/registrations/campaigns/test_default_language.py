"""Pasted addresses without a language get the mailing's default language, and staff see how many
people get each language before sending."""

import re

import pytest
from django.urls import reverse

from registrations.campaigns import audiences
from registrations.models import Mailing
from tests.factories import MailingFactory

pytestmark = pytest.mark.django_db


def test_an_address_pasted_without_a_language_gets_the_mailings_default_language():
    mailing = MailingFactory(
        audience=Mailing.Audience.ADDRESSES,
        addresses="maria.lopez@example.org\nana@example.org, pt\njohn@example.org, en",
        addresses_language="es",
    )

    recipients = audiences.mailing_recipients(mailing)

    assert [(r.email, r.language) for r in recipients] == [
        ("maria.lopez@example.org", "es"),
        ("ana@example.org", "pt"),
        ("john@example.org", "en"),
    ]


def test_a_new_mailing_defaults_to_the_staff_members_language(client, staff):
    client.force_login(staff)

    page = client.get(reverse("admin:registrations_mailing_add"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert re.search(r'<option value="es" selected>Español</option>', page)
    assert "Idioma de las direcciones sin idioma" in page


def test_the_check_before_sending_counts_the_recipients_of_each_language(client, staff):
    mailing = MailingFactory(
        audience=Mailing.Audience.ADDRESSES,
        addresses="maria.lopez@example.org\njose@example.org\nana@example.org, pt",
        addresses_language="es",
    )
    client.force_login(staff)

    page = client.get(
        reverse("admin:registrations_mailing_check", args=[mailing.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    rows = re.findall(r'<tr><td>([^<]+)</td><td class="number">(\d+)</td></tr>', page)
    assert rows == [("Español", "2"), ("Portugués", "1")]
