"""Search: the visitor's language, case and accents ignored, public content only, escaped snippets,
clear messages, flat query counts and a rate limit. Runs on both databases (PostgreSQL's full text
and SQLite's fallback must find the same rows for these queries)."""

import pytest
from django.db import connection  # noqa: F401 - read by the skipif condition
from django.urls import reverse

from sessions_app.discovery.search import QueryError, clean_query, run_search
from sessions_app.discovery.sources import SOURCES
from sessions_app.models import Conclusions
from tests.factories import (
    AgendaItemFactory,
    PracticeFactory,
    RegistrationFactory,
    RoadmapItemFactory,
    SessionFactory,
)
from tests.sessions_app.pages import status_and_headings

pytestmark = pytest.mark.django_db


def _found(query, language, kind=None):
    _words, groups = run_search(query, language=language, sources=SOURCES)
    return {
        group.kind: [result.title for result in group.results]
        for group in groups
        if group.total and (not kind or group.kind == kind)
    }


@pytest.mark.parametrize("query", ["prision", "PRISIÓN", "prisión", "Prision"])
def test_case_and_accents_do_not_matter_in_spanish(searchable, query):
    assert _found(query, "es", "sessions") == {"sessions": ["Mecanismos inclusivos para personas en prisión"]}


def test_reinsercao_finds_reinsercao_with_its_accents_in_portuguese(searchable):
    assert _found("reinsercao", "pt") == {"sessions": ["Mecanismos inclusivos para pessoas na prisão"]}


def test_mujeres_privadas_reaches_uruguays_presentation(searchable):
    session, item, _speaker = searchable
    _words, groups = run_search("mujeres privadas", language="es", sources=SOURCES)
    agenda = next(group for group in groups if group.kind == "agenda")
    assert [(result.title, result.url) for result in agenda.results] == [
        ("Uruguay · Inclusión de mujeres privadas de libertad", f"/es/sessions/session-2/#item-{item.pk}")
    ]


def test_results_come_in_the_visitors_language_and_fall_back_to_the_text_that_exists(searchable):
    SessionFactory(title="Only in English: alternatives to prison", slug="english-only")
    found = _found("prison", "es", "sessions")
    assert found == {"sessions": ["Only in English: alternatives to prison"]} or found == {
        "sessions": ["Mecanismos inclusivos para personas en prisión", "Only in English: alternatives to prison"]
    }


def test_speakers_are_found_by_name_but_never_by_e_mail(searchable):
    assert _found("hernandez", "en", "speakers") == {"speakers": ["Andrea Hernández"]}
    assert _found("andrea@example.org", "en") == {}


def test_drafts_private_content_and_registrants_are_never_found(searchable):
    session, _item, _speaker = searchable
    SessionFactory(status="draft", title="Secret prison draft", slug="draft")
    PracticeFactory(status="draft", title_es="Práctica borrador sobre prisión", published_at=None)
    Conclusions.objects.create(session=session, body_en="<p>Private prison conclusions</p>", is_public=False)
    RegistrationFactory(session=session, full_name="Zacarías Prisionero", email="zacarias@example.org")

    assert _found("secret", "en") == {}
    assert _found("borrador", "es") == {}
    assert _found("private", "en") == {}
    assert _found("zacarias", "es") == {}
    assert _found("prisionero", "es") == {}


def test_published_conclusions_actions_and_practices_are_found(searchable):
    session, _item, _speaker = searchable
    Conclusions.objects.create(
        session=session,
        body_es="<p>El grupo acordó una <strong>hoja de ruta</strong>.</p>",
        is_public=True,
        published_at=session.starts_at,
    )
    RoadmapItemFactory(group=session.group, title_es="Mapear alternativas a la prisión", title="Map alternatives")
    PracticeFactory(title_es="Proyecto Crisálidas", summary_es="Inclusión laboral de mujeres liberadas.")

    assert _found("hoja de ruta", "es", "conclusions") == {"conclusions": ["Conclusiones de la sesión 2"]}
    assert _found("mapear", "es", "roadmap") == {"roadmap": ["Mapear alternativas a la prisión"]}
    assert _found("crisalidas", "es", "practices") == {"practices": ["Proyecto Crisálidas"]}


def test_snippets_escape_markup_and_mark_the_matches(searchable):
    session, _item, _speaker = searchable
    AgendaItemFactory(
        session=session,
        title="Debate",
        title_es="Debate",
        description_es='Sobre <script>alert("x")</script> la prisión & sus alternativas',
    )
    _words, groups = run_search("alternativas", language="es", sources=SOURCES)
    snippet = next(group for group in groups if group.kind == "agenda").results[0].snippet

    # Typed markup is shown as text (SQLite) or left out (PostgreSQL's headline drops tags): never live.
    assert "<script" not in snippet
    assert "alert(&quot;x&quot;)" in snippet
    assert "&amp;" in snippet
    assert "<mark>alternativas</mark>" in snippet


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "empty"), ("   ", "empty"), ("x" * 201, "too_long"), ("&& || !()", "no_words"), ("<b></b>", "no_words")],
)
def test_queries_that_cannot_be_searched_get_a_clear_message(client, query, code):
    with pytest.raises(QueryError) as raised:
        clean_query(query)
    assert raised.value.code == code
    response = client.get(reverse("discovery:search"), {"q": query})
    assert response.status_code == 200
    assert response.context["error_code"] == code


def test_the_page_says_too_long_in_the_visitors_language(client):
    response = client.get("/es/search/", {"q": "a" * 201})
    assert response.context["error"] == "La búsqueda es demasiado larga: usa como máximo 200 caracteres."


def test_operators_inside_words_are_ignored(searchable):
    assert clean_query('prisión & "mujeres" | -libertad') == ["prisión", "mujeres", "libertad"]


@pytest.mark.parametrize("rows", [1, 25])
def test_a_results_page_costs_one_query_per_kind_whatever_the_rows(client, django_assert_num_queries, rows):
    session = SessionFactory(title="Prison alternatives", status="held")
    for n in range(rows):
        AgendaItemFactory(session=session, title=f"Prison workshop {n}")
        RoadmapItemFactory(group=session.group, title=f"Prison action {n}")
    with django_assert_num_queries(len(SOURCES)):
        response = client.get(reverse("discovery:search"), {"q": "prison"})
    assert response.context["total"] == 1 + 2 * rows
    with django_assert_num_queries(1):
        page = client.get(reverse("discovery:search"), {"q": "prison", "kind": "agenda"})
    assert page.context["groups"][0].total == rows


def test_one_kind_is_paginated(client):
    session = SessionFactory(title="Other", status="held")
    for n in range(25):
        AgendaItemFactory(session=session, title=f"Prison workshop {n}")
    first = client.get(reverse("discovery:search"), {"q": "prison", "kind": "agenda"})
    second = client.get(reverse("discovery:search"), {"q": "prison", "kind": "agenda", "page": 2})
    assert (len(first.context["groups"][0].results), first.context["has_next"]) == (20, True)
    assert (len(second.context["groups"][0].results), second.context["has_next"]) == (5, False)
    assert second.context["last_page"] == 2


def test_searches_are_rate_limited_per_client_address(one_rate_window, client, settings):
    settings.SEARCH_RATE_LIMIT = (2, 60)
    url = reverse("discovery:search")
    answers = [client.get(url, {"q": "prison"}) for _ in range(3)]
    elsewhere = client.get(url, {"q": "prison"}, REMOTE_ADDR="192.0.2.7")

    assert [status_and_headings(answer) for answer in answers] == [
        status_and_headings(elsewhere),
        status_and_headings(elsewhere),
        (429, ["Too many attempts"]),
    ]
    assert elsewhere.status_code == 200


def test_every_public_page_has_the_search_box(client, searchable):
    session, _item, _speaker = searchable
    for url in ("/en/", session.get_absolute_url(), reverse("outcomes:roadmap", kwargs={"slug": session.group.slug})):
        page = client.get(url).content.decode()
        assert (
            '<form class="container d-flex gap-2 py-2 site-search" method="get" action="/en/search/" role="search"'
            in page
        )


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="full-text search runs on PostgreSQL")
def test_postgresql_stems_in_the_visitors_language_and_ranks_titles_first(searchable):
    session, _item, _speaker = searchable
    SessionFactory(
        slug="other",
        title="Alternatives",
        title_es="Alternativas",
        context_es="Las prisiones de la región y sus alternativas.",
    )
    # "prisiones" (plural) finds "prisión": the Spanish stemmer, after unaccent.
    assert _found("prisiones", "es", "sessions") == {
        "sessions": ["Mecanismos inclusivos para personas en prisión", "Alternativas"]
    }
