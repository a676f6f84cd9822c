"""Good practices: who sees a draft, the way to publication, the catalogue's filters and counts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from sessions_app.models import ThematicFocus
from sessions_app.outcomes.practices import catalogue, review
from sessions_app.outcomes.practices.models import Practice
from tests.factories import (
    AgendaItemFactory,
    AgendaRoleFactory,
    PopulationFactory,
    PracticeFactory,
    SessionFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def _url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def _form(**overrides):
    data = {
        "title": "Crisálidas",
        "summary": "Inclusión de mujeres privadas de libertad.",
        "description": "<p>Texto <script>alert(1)</script><strong>firme</strong></p>",
        "results": "",
        "stage": "prison",
        "practice_type": "programme",
        "evaluation": "not_evaluated",
        "links": "https://example.org/crisalidas\njavascript:alert(1)",
    }
    data.update(overrides)
    return data


# ── Who sees a draft ─────────────────────────────────────────────────────────────────────────


def test_a_mexico_focal_point_gets_a_404_on_a_uruguay_draft_get_and_post(client, focal_point_mexico):
    draft = PracticeFactory(country="UY", status="draft", published_at=None)
    client.force_login(focal_point_mexico.user)
    for name in ("practices:detail", "practices:edit"):
        assert client.get(_url(name, pk=draft.pk)).status_code == 404
    assert client.post(_url("practices:edit", pk=draft.pk), _form(title="Hijacked")).status_code == 404
    draft.refresh_from_db()
    assert draft.title_es != "Hijacked"


def test_a_draft_is_visible_to_its_countrys_focal_points_and_staff_only(client, focal_point_uruguay, staff, outsider):
    draft = PracticeFactory(country="UY", status="draft", published_at=None, title_es="Borrador uruguayo")
    url = _url("practices:detail", pk=draft.pk)
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(focal_point_uruguay.user)
    page = client.get(url)
    assert page.status_code == 200 and "Borrador uruguayo" in page.content.decode()
    client.force_login(staff)
    assert client.get(url).status_code == 200


# ── From draft to published ──────────────────────────────────────────────────────────────────


def test_a_focal_point_proposes_and_submits_in_their_language_and_the_text_is_sanitised(client, focal_point_uruguay):
    client.force_login(focal_point_uruguay.user)
    response = client.post(_url("practices:propose", language="pt"), _form(title="Crisálidas PT"))
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert (practice.country.code, practice.status, practice.original_language) == ("UY", "draft", "pt")
    assert practice.title_pt == "Crisálidas PT"
    assert not practice.title_es and not practice.title_en
    assert practice.description_pt == "<p>Texto <strong>firme</strong></p>"
    assert practice.link_list == ["https://example.org/crisalidas"]
    response = client.post(
        _url("practices:edit", language="pt", pk=practice.pk), _form(title="Crisálidas PT", submit="1")
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == "submitted"
    assert client.get(_url("practices:list")).content.decode().count("Crisálidas PT") == 0


def test_a_submitted_practice_appears_publicly_only_after_staff_publish_it(client, focal_point_uruguay):
    practice = PracticeFactory(country="UY", status="submitted", published_at=None, title_es="Crisálidas")
    assert "Crisálidas" not in client.get(_url("practices:list")).content.decode()
    assert client.get(practice.get_absolute_url()).status_code == 404
    review.publish_practice(practice=practice)
    assert "Crisálidas" in client.get(_url("practices:list")).content.decode()
    assert client.get(practice.get_absolute_url()).status_code == 200


def test_staff_send_back_with_a_message_the_focal_point_sees_and_is_emailed(
    client, staff, focal_point_uruguay, django_capture_on_commit_callbacks
):
    practice = PracticeFactory(country="UY", status="submitted", published_at=None)
    client.force_login(staff)
    change = reverse("admin:practices_practice_change", args=[practice.pk])
    data = {
        "title_es": practice.title_es,
        "summary_es": practice.summary_es,
        "original_language": "es",
        "country": "UY",
        "stage": "prison",
        "practice_type": "programme",
        "evaluation": "not_evaluated",
        "review_message": "Añada los resultados, por favor.",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "_send_back": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, data)
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (practice.status, practice.review_message) == ("returned", "Añada los resultados, por favor.")
    assert [message.to for message in mail.outbox] == [[focal_point_uruguay.user.email]]
    assert "Añada los resultados, por favor." in mail.outbox[0].body
    client.force_login(focal_point_uruguay.user)
    dashboard = client.get(_url("focal_points:dashboard")).content.decode()
    assert "Añada los resultados, por favor." in dashboard
    edit = client.get(_url("practices:edit", pk=practice.pk)).content.decode()
    assert "Añada los resultados, por favor." in edit


def test_staff_create_a_practice_from_a_presented_agenda_item_in_one_step(client, staff):
    item = AgendaItemFactory(
        title_en="Youth with a Purpose Centres", title_es="Centros Juventud con Propósito", country="MX"
    )
    speaker = SpeakerFactory(name="Daniela Dorantes Salgado", country="MX")
    AgendaRoleFactory(item=item, speaker=speaker)
    client.force_login(staff)
    response = client.post(reverse("admin:practices_practice_from_item"), {"item": item.pk})
    practice = Practice.objects.get()
    assert response["Location"] == reverse("admin:practices_practice_change", args=[practice.pk])
    assert (practice.title_en, practice.title_es) == ("Youth with a Purpose Centres", "Centros Juventud con Propósito")
    assert (practice.country.code, practice.session, practice.agenda_item, practice.speaker) == (
        "MX",
        item.session,
        item,
        speaker,
    )
    assert practice.status == "draft"


def test_the_dashboard_lists_the_countrys_practices_only(client, focal_point_uruguay):
    PracticeFactory(country="UY", title_es="Práctica uruguaya", status="draft", published_at=None)
    PracticeFactory(country="MX", title_es="Práctica mexicana")
    client.force_login(focal_point_uruguay.user)
    page = client.get(_url("focal_points:dashboard", language="es")).content.decode()
    assert "Práctica uruguaya" in page and "Práctica mexicana" not in page


# ── Reading ──────────────────────────────────────────────────────────────────────────────────


def test_a_practice_in_one_language_shows_it_in_the_others_with_a_note(client):
    practice = PracticeFactory(title_es="Centros Juventud con Propósito", summary_es="Resumen")
    page = client.get(_url("practices:detail", language="pt", pk=practice.pk)).content.decode()
    assert "Centros Juventud con Propósito" in page
    assert "Esta prática está escrita em espanhol; ainda não foi traduzida." in page
    page = client.get(_url("practices:detail", language="es", pk=practice.pk)).content.decode()
    assert "language-note" not in page


def test_held_session_pages_list_the_practices_presented_in_them(client):
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=3), status="held")
    PracticeFactory(session=session, title_es="Crisálidas")
    PracticeFactory(session=session, title_es="Borrador", status="draft", published_at=None)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Practices presented in this session" in page
    assert "Crisálidas" in page and "Borrador" not in page


@pytest.fixture
def themes():
    return {
        slug: ThematicFocus.objects.get_or_create(slug=slug, defaults={"name_en": slug.title()})[0]
        for slug in ("gender", "human-rights", "public-health")
    }


def test_combined_filters_give_the_right_rows_and_counts(client, themes):
    women = PopulationFactory(slug="women", name_en="Women")
    crisalidas = PracticeFactory(country="UY", stage="prison", title_es="Crisálidas")
    crisalidas.themes.set([themes["gender"], themes["human-rights"]])
    crisalidas.populations.set([women])
    other_uy = PracticeFactory(country="UY", stage="judicial", title_es="Juzgado")
    other_uy.themes.set([themes["gender"]])
    PracticeFactory(country="MX", stage="prison", title_es="Prisión MX").themes.set([themes["public-health"]])
    PracticeFactory(country="UY", stage="prison", title_es="Borrador", status="draft", published_at=None)

    response = client.get(_url("practices:list"), {"country": "UY", "stage": "prison"})
    assert [practice.title_es for practice in response.context["page"].object_list] == ["Crisálidas"]
    facets = {
        name: {option.value: option.count for option in options} for name, _label, options in response.context["facets"]
    }
    assert facets["country"] == {"MX": 1, "UY": 1}  # stage=prison applied, country not
    assert facets["stage"] == {"judicial": 1, "prison": 1}  # country=UY applied, stage not
    assert facets["theme"] == {"gender": 1, "human-rights": 1}
    assert facets["population"] == {"women": 1}
    assert facets["language"] == {"es": 1}

    filters = {"theme": "gender", "country": "UY"}
    rows = catalogue.practice_list(filters)
    assert sorted(practice.title_es for practice in rows) == ["Crisálidas", "Juzgado"]
    assert catalogue.practice_list({"country": "UY", "stage": "prison", "population": "nobody"}).count() == 0
    assert catalogue.practice_list({"language": "en"}).count() == 0
    assert client.get(_url("practices:list"), {"stage": "<script>", "page": "x"}).status_code == 200


def test_the_catalogue_costs_the_same_number_of_queries_with_one_or_many_practices(client, themes):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url("practices:list"), {"theme": "gender"})
        assert response.status_code == 200
        return len(queries)

    PracticeFactory().themes.set([themes["gender"]])
    one = count_queries()
    for _ in range(15):
        practice = PracticeFactory()
        practice.themes.set([themes["gender"], themes["human-rights"]])
        practice.populations.set([PopulationFactory()])
    assert count_queries() == one


def test_the_catalogue_is_paginated_and_keeps_the_filters_in_the_links(client):
    for _ in range(14):
        PracticeFactory(country="UY")
    page = client.get(_url("practices:list"), {"country": "UY"}).content.decode()
    assert 'href="?country=UY&amp;page=2"' in page
    second = client.get(_url("practices:list"), {"country": "UY", "page": 2})
    assert len(second.context["page"].object_list) == 2


def test_the_translation_gaps_of_a_session_count_its_practices():
    from sessions_app.completeness import missing_translations

    session = SessionFactory(title_en="Session", title_es="Sesión", title_pt="Sessão")
    PracticeFactory(session=session, title_es="Crisálidas", summary_es="Resumen", status="submitted")
    gaps = [gap for gap in missing_translations(session) if "Crisálidas" in gap.where]
    assert sorted((gap.field, gap.missing) for gap in gaps) == [("Summary", ("en", "pt")), ("Title", ("en", "pt"))]


def test_a_document_attached_by_a_focal_point_follows_the_file_rules(client, focal_point_uruguay, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support import documents

    settings.MEDIA_ROOT = tmp_path
    client.force_login(focal_point_uruguay.user)
    bad = _form(document_title="Informe", document=SimpleUploadedFile("informe.pdf", documents.EXE_BYTES))
    response = client.post(_url("practices:propose", language="es"), bad)
    assert response.status_code == 400
    assert "No se pueden subir programas." in response.content.decode()
    assert Practice.objects.count() == 0
    good = _form(document_title="Informe", document=SimpleUploadedFile("informe.odt", documents.odt()))
    assert client.post(_url("practices:propose", language="es"), good).status_code == 302
    document = Practice.objects.get().documents.get()
    assert (document.file_kind, document.title) == ("odt", "Informe")
    download = client.get(_url("practices:document_download", pk=document.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/vnd.oasis.opendocument.text"
    client.logout()
    assert client.get(_url("practices:document_download", pk=document.pk)).status_code == 404


@pytest.mark.parametrize("related", [1, 5])
def test_a_practices_page_costs_the_same_queries_whatever_its_themes_and_institutions(
    client, themes, related, django_assert_num_queries
):
    from tests.factories import InstitutionFactory

    practice = PracticeFactory(session=SessionFactory(), agenda_item=AgendaItemFactory(), speaker=SpeakerFactory())
    practice.themes.set(list(themes.values())[: min(related, 3)])
    practice.institutions.set([InstitutionFactory() for _ in range(related)])
    practice.populations.set([PopulationFactory(slug=f"p{index}") for index in range(related)])
    # the practice with its session, item and speaker; themes, populations, institutions, documents
    with django_assert_num_queries(5):
        response = client.get(_url("practices:detail", pk=practice.pk))
    assert response.status_code == 200


def test_an_agenda_items_admin_page_offers_the_upload_link_and_the_practice(client, staff):
    item = AgendaItemFactory(country="UY")
    client.force_login(staff)
    page = client.get(reverse("admin:agenda_agendaitem_change", args=[item.pk])).content.decode()
    assert f'href="{reverse("admin:outcomes_uploadlink_add")}?item={item.pk}"' in page
    assert f'action="{reverse("admin:practices_practice_from_item")}"' in page
    add = client.get(reverse("admin:outcomes_uploadlink_add"), {"item": item.pk}).content.decode()
    assert f'<option value="{item.pk}" selected>' in add
