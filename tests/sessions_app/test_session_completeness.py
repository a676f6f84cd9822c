"""A session is not opened to the public with nothing in it, and its public page never shows an
empty section."""

import pytest
from django.urls import reverse

from sessions_app.models import Session
from tests.factories import SessionFactory, WorkingGroupFactory
from tests.sessions_app.test_admin import inline_management, session_form

pytestmark = pytest.mark.django_db


def test_an_empty_session_stays_a_draft_and_staff_read_what_is_missing_in_their_language(client, staff):
    client.force_login(staff)

    response = client.post(
        reverse("admin:sessions_app_session_add"),
        session_form(WorkingGroupFactory(), status=Session.Status.REGISTRATION_OPEN),
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )

    assert Session.objects.get(slug="session-2").status == Session.Status.DRAFT
    assert [str(m) for m in response.context["messages"] if m.level_tag == "error"] == [
        "La sesión sigue en borrador hasta que tenga el contexto, al menos un objetivo específico, al menos una "
        "pregunta orientadora, al menos un punto de la agenda. Todo lo demás se ha guardado: añádalos y "
        "vuelva a abrirla."
    ]


def test_a_session_with_the_essentials_opens_for_registration(client, staff):
    client.force_login(staff)
    data = session_form(
        WorkingGroupFactory(),
        status=Session.Status.REGISTRATION_OPEN,
        context_es="Contexto de la sesión.",
        **inline_management("objectives", 1),
        **{"objectives-0-order": "0", "objectives-0-text_es": "Consolidar el grupo"},
        **inline_management("guiding_questions", 1),
        **{"guiding_questions-0-order": "0", "guiding_questions-0-text_es": "¿Qué programas existen?"},
        **inline_management("agenda_items", 1),
        **{
            "agenda_items-0-order": "0",
            "agenda_items-0-kind": "opening",
            "agenda_items-0-title_es": "Apertura",
            "agenda_items-0-duration_minutes": "10",
        },
    )

    client.post(reverse("admin:sessions_app_session_add"), data, HTTP_ACCEPT_LANGUAGE="es")

    assert Session.objects.get(slug="session-2").status == Session.Status.REGISTRATION_OPEN


def test_the_public_page_of_a_bare_session_shows_no_empty_section(client):
    session = SessionFactory(status=Session.Status.REGISTRATION_OPEN, context="", main_outcome="")

    page = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    for heading in ("Objetivos", "Preguntas orientadoras", "Metodología", "Contexto", 'href="#agenda"'):
        assert heading not in page
    assert "Nada previsto" not in page
    assert 'href="#times"' in page
