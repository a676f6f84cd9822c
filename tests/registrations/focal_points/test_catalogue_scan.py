"""The catalogue scan: the account and focal-point pages, rendered in Portuguese and Spanish, hold
no European Portuguese form and no English sentence left untranslated.

The pages are rendered as a person sees them (allauth's and Django's own strings included, which
come from their catalogues, not ours). A text is "left in English" when the Spanish or Portuguese
page shows exactly the text the English page shows, and it is not a name, an address or data.
"""

import re

import pytest
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.tokens import default_token_generator

from registrations.focal_points.nominations import nominate
from tests import test_portuguese_variant as portuguese
from tests.factories import GuidingQuestionFactory, InstitutionFactory, SessionFactory

pytestmark = pytest.mark.catalogue

# European forms the catalogue test does not list because they only come from other catalogues.
EUROPEAN_PAGES = {
    **portuguese.EUROPEAN,
    r"\bTerminar sessão\b": "Sair",
    r"\bSaltar para\b": "Pular para",
    r"\bdescarregar\b": "baixar",
    r"\bendereço de email\b": "endereço de e-mail",
    r"\bTorná-lo\b": "Tornar",
    r"\bRe-enviar\b": "Reenviar",
}
# Texts that are the same in every language: names, codes, data of this test.
SAME_EVERYWHERE = {
    "COPOLAD III · 3.5", "English", "EN", "Español", "ES", "Português", "PT", "*", "—", "·", "Email", "E-mail",
    "Lucía Rodríguez", "fp.uy@example.org", "Ana Pérez", "ana@example.org", "JND", "Junta Nacional de Drogas",
    "Junta Nacional de Drogas (JND)", "Alternativas", "Alternativas ·", "¿Qué mecanismos?", "1. ¿Qué mecanismos?",
    "programme@copolad.local", "Uruguay", "Montevideo", "Salud", "Academia", "CSV", "Excel", "Site", "OK",
    "Sector",
}  # fmt: skip


@pytest.fixture
def pages(client, focal_point_uruguay):
    session = SessionFactory(slug="alternativas", title="Alternativas")
    GuidingQuestionFactory(session=session, text="¿Qué mecanismos?")
    institution = InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    nomination = nominate(
        session=session,
        focal_point=focal_point_uruguay,
        data={"full_name": "Ana Pérez", "email": "ana@example.org", "institution": institution, "language": "es"},
    )
    user = focal_point_uruguay.user
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    anonymous = ["/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/done/",
                 f"/accounts/password/reset/key/{key}/"]  # fmt: skip
    signed_in = [
        "/focal-point/", "/focal-point/institutions/", "/focal-point/institutions/new/",
        f"/focal-point/institutions/{institution.pk}/edit/", f"/focal-point/institutions/{institution.pk}/delete/",
        "/focal-point/registrations/", "/focal-point/sessions/alternativas/nominate/",
        "/focal-point/sessions/alternativas/nominate/bulk/", "/focal-point/sessions/alternativas/answers/",
        f"/focal-point/nominations/{nomination.pk}/edit/", f"/focal-point/nominations/{nomination.pk}/withdraw/",
        "/accounts/password/change/", "/accounts/logout/",
    ]  # fmt: skip

    def render(language):
        client.logout()
        texts = {}
        for path in anonymous:
            texts[path] = client.get(f"/{language}{path}", follow=True).content.decode()
        texts["login, wrong password"] = client.post(
            f"/{language}/accounts/login/", {"login": "fp.uy@example.org", "password": "wrong"}
        ).content.decode()
        client.force_login(user)
        for path in signed_in:
            texts[path] = client.get(f"/{language}{path}", follow=True).content.decode()
        texts["password change, too short"] = client.post(
            f"/{language}/accounts/password/change/", {"oldpassword": "x", "password1": "abc", "password2": "abc"}
        ).content.decode()
        texts["set password, too short"] = client.post(
            f"/{language}/accounts/password/reset/key/{key}/", {"password1": "abc", "password2": "abc"}, follow=True
        ).content.decode()
        return texts

    return render


def visible_texts(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<(option)\b[^>]*>.*?</option>", " ", html, flags=re.S)  # lists of countries, zones, data
    return {" ".join(text.split()) for text in re.split(r"<[^>]+>", html)} - {""}


def test_portuguese_account_and_focal_point_pages_use_brazilian_forms_only(pages):
    found = {}
    for page, html in pages("pt").items():
        text = " ".join(visible_texts(html))
        hits = [pattern for pattern in EUROPEAN_PAGES if re.search(pattern, text, flags=re.IGNORECASE)]
        if hits:
            found[page] = hits

    assert found == {}


@pytest.mark.parametrize("language", ["es", "pt"])
def test_no_english_is_left_on_the_account_and_focal_point_pages(pages, language):
    english = pages("en")
    translated = pages(language)

    left = {}
    for page, html in translated.items():
        same = (visible_texts(html) & visible_texts(english[page])) - SAME_EVERYWHERE
        same = {
            text for text in same if re.search(r"[A-Za-z]{3}", text) and not re.fullmatch(r"[\w.+-]+@[\w.-]+", text)
        }
        if same:
            left[page] = sorted(same)

    assert left == {}
