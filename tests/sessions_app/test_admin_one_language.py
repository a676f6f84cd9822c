"""The admin asks for a text in one language, any of them, opens on the staff's own language and
names an error on a hidden language tab at the top of the form."""

import re

import pytest
from django.urls import reverse

from sessions_app.models import Session
from tests.factories import WorkingGroupFactory
from tests.sessions_app.test_admin import inline_management, session_form

pytestmark = pytest.mark.django_db


def test_the_session_form_saves_with_only_spanish_filled_in(client, staff):
    client.force_login(staff)
    data = session_form(
        WorkingGroupFactory(),
        title_en="",
        title_es="Mecanismos inclusivos",
        slug="mecanismos-inclusivos",
        status=Session.Status.DRAFT,
        **inline_management("objectives", 1),
        **{"objectives-0-order": "0", "objectives-0-text_es": "Consolidar el grupo"},
        **inline_management("agenda_items", 1),
        **{
            "agenda_items-0-order": "0",
            "agenda_items-0-kind": "opening",
            "agenda_items-0-title_es": "Apertura",
            "agenda_items-0-duration_minutes": "10",
        },
    )

    response = client.post(reverse("admin:sessions_app_session_add"), data, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    session = Session.objects.get(slug="mecanismos-inclusivos")
    assert (session.title_en or "", session.title_es) == ("", "Mecanismos inclusivos")
    assert [o.text_es for o in session.objectives.all()] == ["Consolidar el grupo"]
    assert [i.title_es for i in session.agenda_items.all()] == ["Apertura"]


def test_a_text_written_in_no_language_is_named_at_the_top_with_its_language(client, staff):
    client.force_login(staff)
    data = session_form(WorkingGroupFactory(), title_en="", title_es="", title_pt="", status=Session.Status.DRAFT)

    page = client.post(reverse("admin:sessions_app_session_add"), data, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    summary = re.search(r'<div class="errornote error-summary" role="alert">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>: ([^<]+)</li>', summary) == [
        ("id_title_es", "Título (Español)", "Hace falta en al menos un idioma: título.")
    ]


def test_an_error_on_the_hidden_english_tab_is_listed_at_the_top(client, staff):
    client.force_login(staff)
    data = session_form(WorkingGroupFactory(), title_en="x" * 301, title_es="Mecanismos", status=Session.Status.DRAFT)

    page = client.post(reverse("admin:sessions_app_session_add"), data, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    summary = re.search(r'<div class="errornote error-summary" role="alert">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>:', summary) == [("id_title_en", "Título (Inglés)")]


def test_the_slug_is_filled_in_from_the_title_in_the_staff_members_language(client, staff):
    client.force_login(staff)

    page = client.get(reverse("admin:sessions_app_session_add"), HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    assert re.search(r'"dependency_ids": \["#id_title_pt"\]', page.replace("&quot;", '"'))
