"""The agenda and the home list add the visitor's own time (the browser's zone) beside the
session's; without JavaScript the pages still show the session's times, complete."""

from datetime import UTC, datetime

import pytest

from tests.factories import AgendaItemFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session(db):
    session = SessionFactory(
        slug="alternativas", starts_at=datetime(2030, 5, 10, 13, 30, tzinfo=UTC), time_zone="Europe/Madrid"
    )
    AgendaItemFactory(session=session, order=1, title="Apertura", duration_minutes=15)
    AgendaItemFactory(session=session, order=2, title="Debate", duration_minutes=75)
    return session


def test_the_agenda_and_the_home_list_show_the_visitor_s_time_too(live_server, _chromium, session):
    context = _chromium.new_context(locale="es-ES", timezone_id="America/Sao_Paulo")
    page = context.new_page()

    page.goto(f"{live_server.url}/es/sessions/alternativas/")
    agenda = page.locator(".agenda-viewer-time").all_inner_texts()
    page.goto(f"{live_server.url}/es/")
    card = page.locator(".session-card .viewer-time").inner_text()
    context.close()

    assert agenda == ["Su hora (Sao Paulo): 10:30–10:45", "Su hora (Sao Paulo): 10:45–12:00"]
    assert card == "En su zona horaria (Sao Paulo): viernes, 10 de mayo de 2030, 10:30–12:00"


def test_a_visitor_in_the_session_s_zone_sees_no_repetition(live_server, _chromium, session):
    context = _chromium.new_context(locale="es-ES", timezone_id="Europe/Madrid")
    page = context.new_page()

    page.goto(f"{live_server.url}/es/sessions/alternativas/")
    shown = page.locator(".agenda-viewer-time:visible").count()
    context.close()

    assert shown == 0


def test_without_javascript_the_agenda_keeps_the_session_s_times(live_server, _chromium, session):
    context = _chromium.new_context(locale="es-ES", timezone_id="America/Sao_Paulo", java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{live_server.url}/es/sessions/alternativas/")
    times = page.locator(".agenda-time").all_inner_texts()
    hidden = page.locator(".agenda-viewer-time:visible").count()
    context.close()

    assert (times, hidden) == (["15:30–15:45", "15:45–17:00"], 0)


def test_a_document_link_reads_with_a_space_before_its_size(live_server, chromium_page, settings, tmp_path):
    from django.core.files.base import ContentFile

    from sessions_app.models import Conclusions, Document, Session

    settings.MEDIA_ROOT = str(tmp_path)
    held = SessionFactory(
        slug="sesion-2", status=Session.Status.HELD, starts_at=datetime(2023, 5, 10, 13, 30, tzinfo=UTC)
    )
    Conclusions.objects.create(session=held, body="x", is_public=True, published_at=held.starts_at)
    document = Document(
        session=held, kind=Document.Kind.CONCLUSIONS, language="en", version=1, is_public=True,
        sha256="0" * 64, content_hash="0" * 64, size=2048,
    )  # fmt: skip
    document.file.save("conclusions.pdf", ContentFile(b"%PDF-1.7"), save=False)
    document.save()
    page = chromium_page

    page.goto(f"{live_server.url}/es/sessions/sesion-2/")

    assert page.locator("#outcomes .document-link").inner_text() == "Conclusiones · Inglés (PDF, 2,0\xa0KB)"
