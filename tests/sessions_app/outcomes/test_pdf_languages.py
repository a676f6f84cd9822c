"""The conclusions PDF reads like a document: conclusions first, one fallback order for every
document, each row in one language, the fallback language named, no "Opening: Opening"."""

import io

import pypdf
import pytest

from agenda.models import AgendaItem
from sessions_app.languages import fallback_order
from sessions_app.models import Document, RoadmapItem
from sessions_app.outcomes import documents
from sessions_app.outcomes.conclusions import write_conclusions
from tests.sessions_app.after_session_data import CONCLUSIONS, ROADMAP_TITLES, build_held_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pages(document):
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def plain(html):
    return html.removeprefix("<p>").removesuffix("</p>")


def test_the_fallback_order_comes_from_the_settings_portuguese_reads_spanish_before_english():
    assert fallback_order("pt") == ("pt", "es", "en")
    assert fallback_order("es") == ("es", "pt", "en")
    assert fallback_order("en") == ("en", "es", "pt")


def test_portuguese_pdf_with_only_spanish_text_shows_the_spanish_text_marked_as_spanish():
    session, _attendee, _registrant = build_held_session()
    write_conclusions(session=session, bodies={"pt": ""})
    item = RoadmapItem.objects.get(group=session.group)
    item.title_pt = ""
    item.description_es = "Un informe por país."
    item.save()

    text = " ".join(pages(documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="pt")))

    assert "Estas conclusões só estão disponíveis em espanhol." in text
    assert plain(CONCLUSIONS["es"]) in text
    assert plain(CONCLUSIONS["en"]) not in text
    assert f"{ROADMAP_TITLES['es']} (em espanhol) Un informe por país." in text


def test_a_roadmap_row_never_mixes_an_english_title_with_a_spanish_description():
    session, _attendee, _registrant = build_held_session()
    item = RoadmapItem.objects.get(group=session.group)
    item.title_es = item.title_pt = ""
    item.description_es = "Descripción solo en español."
    item.save()

    text = " ".join(pages(documents.render_document(session=session, kind=Document.Kind.ROADMAP, language="es")))

    assert f"{ROADMAP_TITLES['en']} (en inglés)" in text
    assert "Descripción solo en español." not in text


def test_the_conclusions_open_the_page_after_the_cover_with_context_and_agenda_after():
    session, _attendee, _registrant = build_held_session()

    text = pages(documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language="es"))

    assert text[1].index("Conclusiones") < text[1].index(plain(CONCLUSIONS["es"]))
    whole = " ".join(text[1:])
    assert whole.index(plain(CONCLUSIONS["es"])) < whole.index("Contexto y objetivos") < whole.index("Apertura")


def test_an_agenda_item_titled_like_its_kind_is_printed_once():
    session, _attendee, _registrant = build_held_session()
    assert AgendaItem.objects.filter(session=session, title_es="Apertura", kind="opening").exists()

    text = " ".join(pages(documents.render_document(session=session, kind=Document.Kind.AGENDA, language="es")))

    assert "Apertura: Apertura" not in text
    assert text.count("Apertura") == 1
    assert "Hora de Madrid" in text and "Europe/Madrid" not in text


def test_a_speakers_affiliation_is_printed_in_the_documents_language():
    session, _attendee, _registrant = build_held_session()
    speaker = AgendaItem.objects.get(session=session, kind="opening").speakers.get()
    speaker.organisation_en = "Ministry of Health"
    speaker.organisation_es = "Ministerio de Salud"
    speaker.organisation_pt = "Ministério da Saúde"
    speaker.save()

    for language, name in (("es", "Ministerio de Salud"), ("pt", "Ministério da Saúde")):
        text = " ".join(pages(documents.render_document(session=session, kind=Document.Kind.AGENDA, language=language)))
        assert name in text
        assert "Ministry of Health" not in text
