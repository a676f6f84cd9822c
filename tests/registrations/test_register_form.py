"""The register form says what it requires, and its error summary reads as sentences."""

import re

import pytest
from django.core.management import call_command

from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def test_the_institution_name_is_marked_required_without_blocking_a_listed_institution(client):
    session = SessionFactory()

    page = client.get(f"/es/registrations/sessions/{session.slug}/register/").content.decode()

    label = re.search(r'<label\s+for="id_institution_name"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", label).split()) == "Nombre de su institución*"
    field = re.search(r'<input[^>]*name="institution_name"[^>]*>', page).group(0)
    assert " required" not in field


def test_the_error_summary_names_each_field_once_and_check_boxes_by_their_message(client):
    session = SessionFactory()

    page = client.post(
        f"/es/registrations/sessions/{session.slug}/register/",
        form_data("ana@example.org", institution_name="", consent=None),
    ).content.decode()

    summary = re.search(r'<div id="error-summary".*?</ul>', page, re.S).group(0)
    items = [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    assert items == [
        "Nombre de su institución: Elija su institución de la lista o escriba su nombre.",
        "La inscripción requiere su consentimiento al aviso de privacidad.",
    ]


def test_an_open_session_with_a_capacity_says_how_many_seats_are_left(client):
    session = SessionFactory(capacity=10)
    for _number in range(3):
        RegistrationFactory(session=session, status="confirmed")

    detail = client.get(f"/es/sessions/{session.slug}/").content.decode()
    register = client.get(f"/es/registrations/sessions/{session.slug}/register/").content.decode()

    assert re.search(r'<p class="seats-left[^"]*" id="seats-left">(.*?)</p>', detail).group(1) == "Quedan 7 plazas."
    assert re.search(r'id="seats-left">(.*?)</p>', register).group(1) == "Quedan 7 plazas."


def test_a_session_without_a_capacity_or_full_shows_no_seat_count(client):
    unlimited = SessionFactory(capacity=None)
    full = SessionFactory(capacity=1)
    RegistrationFactory(session=full, status="confirmed")

    pages = [client.get(f"/es/sessions/{session.slug}/").content.decode() for session in (unlimited, full)]

    assert [page.count('id="seats-left"') for page in pages] == [0, 0]


def test_the_footer_offers_the_programme_s_address_and_the_focal_points_sign_in(client, settings):
    settings.PROGRAMME_CONTACT_EMAIL = "wg35@copolad.example"
    call_command("load_demo", verbosity=0)

    pages = {language: client.get(f"/{language}/").content.decode() for language in ("en", "es", "pt")}

    for language, sign_in in {"en": "Focal points: sign in", "es": "Puntos focales: iniciar sesión",
                              "pt": "Pontos focais: entrar"}.items():  # fmt: skip
        footer = pages[language].split("<footer")[1]
        assert re.search(r'id="footer-sign-in" href="([^"]+)">(.*?)</a>', footer).groups() == (
            f"/{language}/accounts/login/",
            sign_in,
        )
        assert re.search(r'id="footer-contact" href="([^"]+)"', footer).group(1) == "mailto:wg35@copolad.example"


def test_public_pages_have_a_meta_description(client):
    call_command("load_demo", verbosity=0)

    pages = [
        client.get("/es/").content.decode(),
        client.get("/es/sessions/session-3-alternatives-to-imprisonment/").content.decode(),
        client.get("/es/registrations/sessions/session-3-alternatives-to-imprisonment/register/").content.decode(),
    ]

    descriptions = [re.findall(r'<meta name="description" content="([^"]+)">', page) for page in pages]
    assert [len(found) for found in descriptions] == [1, 1, 1]
    assert len({found[0] for found in descriptions}) == 3
