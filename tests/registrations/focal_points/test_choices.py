"""The bulk form keeps every choice across the "add this institution" round trip, and nominations
default to the country's language, not to the language the focal point reads the portal in."""

import re

import pytest
from django.urls import reverse

from registrations.models import Delivery, Registration
from tests.factories import FocalPointFactory, InstitutionFactory, SessionFactory, UserFactory


@pytest.fixture
def focal_point_brazil(db):
    user = UserFactory(username="fp-br", email="fp.br@example.org", first_name="Paula", last_name="Lima")
    return FocalPointFactory(user=user, country="BR")


def selected_language(page):
    select = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\w+)" selected>', select).group(1)


def test_the_bulk_form_keeps_every_choice_across_the_add_institution_round_trip(
    focal_point_brazil, client, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    InstitutionFactory(name="Ministério da Saúde", acronym="MS", country="BR")
    client.force_login(focal_point_brazil.user)
    url = reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}).replace("/en/", "/pt/")
    rows = "Ana Lima,ana@example.org,Assessora,MS\nBruno Reis,bruno@example.org,Técnico,SENAD"

    first = client.post(url, {"rows": rows, "language": "es"})
    assert selected_language(first.content.decode()) == "es"
    kept_rows = first.context["form"]["rows"].value()
    assert kept_rows == "Bruno Reis,bruno@example.org,Técnico,SENAD"

    # "Add this institution": out to the institution form and back.
    away = client.post(url, {"rows": kept_rows, "language": "es", "add_institution": "SENAD"})
    client.post(
        away["Location"],
        {"name": "Secretaria Nacional de Políticas sobre Drogas", "acronym": "SENAD", "kind": "ministry"},
    )
    back = client.get(url)

    page = back.content.decode()
    assert back.context["form"]["rows"].value() == kept_rows
    assert selected_language(page) == "es"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"rows": kept_rows, "language": selected_language(page)})
    assert dict(Registration.objects.values_list("email", "language")) == {
        "ana@example.org": "es",
        "bruno@example.org": "es",
    }
    assert list(Delivery.objects.filter(to_email="bruno@example.org").values_list("language", flat=True)) == ["es"]


@pytest.mark.parametrize(("country", "expected"), [("BR", "pt"), ("UY", "es"), ("JM", "en")])
def test_a_nomination_defaults_to_the_country_s_language(client, db, country, expected):
    focal_point = FocalPointFactory(country=country)
    client.force_login(focal_point.user)
    session = SessionFactory()

    # The focal point reads the portal in English.
    page = client.get(reverse("focal_points:nomination_create", kwargs={"slug": session.slug})).content.decode()
    bulk = client.get(reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug})).content.decode()

    assert selected_language(page) == expected
    assert selected_language(bulk) == expected
