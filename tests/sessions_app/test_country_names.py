"""Country names read correctly in every language (django-countries' Spanish has a typo for TT)."""

import re

import pytest
from django.core.management import call_command


@pytest.mark.django_db
@pytest.mark.catalogue
@pytest.mark.parametrize(
    ("language", "name"), [("en", "Trinidad and Tobago"), ("es", "Trinidad y Tobago"), ("pt", "Trinidade e Tobago")]
)
def test_the_country_time_table_spells_trinidad_and_tobago(client, language, name):
    call_command("load_demo")

    body = client.get(f"/{language}/sessions/session-2-inclusive-mechanisms/").content.decode()

    row = re.search(
        r'<tr data-zone="America/Port_of_Spain">\s*<th scope="row">[^<]*<span[^>]*>([^<]*)</span></th>', body
    )
    assert row.group(1) == name
