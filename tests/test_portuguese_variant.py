"""One Portuguese throughout: Brazilian, the variant most members read.

Scans the pt catalogue (UI, e-mails, PDFs all come from it) and the templates for European forms.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# European Portuguese forms and their Brazilian counterparts (the latter are what we write).
EUROPEAN = {
    r"palavra-passe": "senha",
    r"\bequipa\b": "equipe",
    r"\bregisto": "registro",
    r"\bficheiro": "arquivo",
    r"\butilizador": "usuário",
    r"\bcontacto": "contato",
    r"\bCaraíbas\b": "Caribe",
    r"\becrã\b": "tela",
    r"\btelemóvel\b": "celular",
    r"\beletrónic": "eletrônic",
    r"\bgénero\b": "gênero",
    r"\banónim": "anônim",
    r"\bguardar\b": "salvar",
    r"\bguardad[oa]s?\b": "salvo/salva",
    r"\bligação\b": "link",
    r"\benviámos\b": "enviamos",
    r"\bsítio web\b": "site",
    r"\bnoutr[oa]\b": "em outro/outra",
    r"\bCertifica-se\b": "Certificamos",
    r"(Polónia|Roménia|Estónia|Letónia|Eslovénia|Quénia|Irão|Mónaco)": "Polônia, Romênia...",
}
# Month and weekday names are written in lower case in Portuguese (and Spanish).
CAPITALISED_DATES = r"\b(Janeiro|Fevereiro|Março|Abril|Maio|Junho|Julho|Agosto|Setembro|Outubro|Novembro|Dezembro|Segunda-feira|Terça-feira|Quarta-feira|Quinta-feira|Sexta-feira)\b"  # noqa: E501 - one alternation


def _msgstrs(path):
    text = path.read_text(encoding="utf-8")
    return re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', text, flags=re.MULTILINE)


def test_the_portuguese_catalogue_uses_brazilian_forms_only():
    strings = _msgstrs(ROOT / "locale/pt/LC_MESSAGES/django.po")
    found = {
        pattern: [text for text in strings if re.search(pattern, text, flags=re.IGNORECASE)] for pattern in EUROPEAN
    }

    assert {pattern: hits for pattern, hits in found.items() if hits} == {}
    assert len(strings) > 500  # the scan really read the catalogue


def test_month_and_weekday_names_are_lower_case_in_the_catalogue():
    strings = _msgstrs(ROOT / "locale/pt/LC_MESSAGES/django.po")

    assert [text for text in strings if re.fullmatch(CAPITALISED_DATES, text)] == []


def test_no_template_carries_european_portuguese_text():
    hits = []
    for template in (ROOT / "templates").rglob("*.*"):
        text = template.read_text(encoding="utf-8")
        hits += [f"{template.name}: {pattern}" for pattern in EUROPEAN if re.search(pattern, text)]

    assert hits == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Wednesday, 10 May 2023"),
        ("es", "miércoles, 10 de mayo de 2023"),
        ("pt", "quarta-feira, 10 de maio de 2023"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(language, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import formats, translation

    moment = datetime(2023, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    with translation.override(language):
        written = f"{formats.date_format(moment, 'l')}, {formats.date_format(moment, 'DATE_FORMAT')}"
        short = formats.date_format(moment, "SHORT_DATE_FORMAT")

    assert (written, short) == (expected, "10/05/2023")


@pytest.mark.django_db
@pytest.mark.catalogue
def test_the_portuguese_admin_uses_brazilian_forms_too(client, staff):
    """Django's own admin labels ("Change password", the menu's filter) come from its catalogues, whose
    "pt" is European: the portal's Brazilian copy of the admin's pt_BR catalogue reads before it."""
    client.force_login(staff)
    texts = {}
    for url in ("/admin/", "/admin/sessions_app/session/", "/admin/jsi18n/"):
        texts[url] = client.get(url, HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    found = {url: [p for p in EUROPEAN if re.search(p, text, flags=re.IGNORECASE)] for url, text in texts.items()}
    assert found == {url: [] for url in texts}
    assert "Alterar senha" in texts["/admin/"]
    assert "Comece a digitar para filtrar" in texts["/admin/sessions_app/session/"]
    assert '"Hoje"' in texts["/admin/jsi18n/"]  # the admin's date-time widgets, in the scripts' catalogue
