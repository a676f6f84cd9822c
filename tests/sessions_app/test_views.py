import zoneinfo
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agenda.models import AgendaItem, AgendaRole
from sessions_app.models import MethodologyStep, Session, ThematicFocus
from tests.factories import (
    AgendaItemFactory,
    AgendaRoleFactory,
    GuidingQuestionFactory,
    MethodologyStepFactory,
    ObjectiveFactory,
    SessionFactory,
    SpeakerFactory,
    WorkingGroupFactory,
)
from tests.sessions_app.pages import element, text, texts

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
JOIN_URL = "https://zoom.us/meeting/register/secret-join-link"


def tr(field, en, es, pt):
    return {f"{field}_en": en, f"{field}_es": es, f"{field}_pt": pt}


@pytest.fixture
def full_session(db):
    """Every section of the concept note, in en/es/pt, with a nested agenda."""
    group = WorkingGroupFactory(**tr("name", "Proportionality", "Proporcionalidad", "Proporcionalidade"))
    session = SessionFactory(
        group=group,
        number=2,
        slug="session-2",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID),
        duration_minutes=90,
        status=Session.Status.HELD,
        join_url=JOIN_URL,
        **tr("title", "Inclusive mechanisms", "Mecanismos inclusivos", "Mecanismos inclusivos PT"),
        **tr("context", "COPOLAD context.", "Contexto de COPOLAD.", "Contexto do COPOLAD."),
        **tr("main_outcome", "Consolidate the group.", "Consolidar el grupo.", "Consolidar o grupo."),
        **tr("target_participants", "Focal points.", "Puntos focales.", "Pontos focais."),
    )
    focus = ThematicFocus.objects.create(slug="gender", **tr("name", "Gender", "Género", "Género PT"))
    session.thematic_focuses.add(focus)
    ObjectiveFactory(session=session, order=1, **tr("text", "Objective one", "Objetivo uno", "Objetivo um"))
    ObjectiveFactory(session=session, order=2, **tr("text", "Objective two", "Objetivo dos", "Objetivo dois"))
    for order, moment, texts_ in [
        (1, MethodologyStep.Moment.BEFORE, ("Send the invitation", "Enviar la invitación", "Enviar o convite")),
        (2, MethodologyStep.Moment.DURING, ("Debate", "Debatir", "Debater")),
        (3, MethodologyStep.Moment.AFTER, ("Share conclusions", "Compartir conclusiones", "Partilhar conclusões")),
    ]:
        MethodologyStepFactory(session=session, order=order, moment=moment, **tr("text", *texts_))
    GuidingQuestionFactory(
        session=session, order=1, **tr("text", "Which mechanisms?", "¿Qué mecanismos?", "Que mecanismos?")
    )
    opening = AgendaItemFactory(
        session=session,
        order=1,
        kind=AgendaItem.Kind.OPENING,
        duration_minutes=5,
        **tr("title", "Opening", "Apertura", "Abertura"),
    )
    block = AgendaItemFactory(
        session=session,
        order=2,
        kind=AgendaItem.Kind.EXPERIENCES,
        duration_minutes=60,
        **tr("title", "Experiences", "Experiencias", "Experiências"),
    )
    portugal = AgendaItemFactory(
        session=session,
        order=3,
        parent=block,
        country="PT",
        duration_minutes=10,
        **tr("title", "Dissuasion", "Disuasión", "Dissuasão"),
    )
    AgendaRoleFactory(
        item=opening,
        role=AgendaRole.Role.HOST,
        speaker=SpeakerFactory(
            name="Javier Sagredo",
            organisation="COPOLAD III",
            country="ES",
            **tr("position", "Director", "Director", "Diretor"),
        ),
    )
    AgendaRoleFactory(
        item=portugal,
        speaker=SpeakerFactory(
            name="Catia Lima",
            organisation="CDT Porto",
            country="PT",
            email="catia.private@example.org",
            **tr("position", "Psychologist", "Psicóloga", "Psicóloga"),
        ),
    )
    return session


EXPECTED = {
    "en": {
        "headings": [
            "Context",
            "Main outcome and objectives",
            "Participating institutions and individuals",
            "Methodology",
            "Guiding questions",
            "Agenda",
            "Time in the participating countries",
        ],
        "title": "Inclusive mechanisms",
        "context": "Context COPOLAD context.",
        "objectives": ["Objective one", "Objective two"],
        "moments": ["Thematic focuses", "Prior to the session", "During the session", "After the session"],
        "steps": ["Send the invitation", "Debate", "Share conclusions"],
        "questions": ["Which mechanisms?"],
        "agenda": [
            "15:30–15:35 Opening 5 min Opening Host: Javier Sagredo, Director, COPOLAD III (Spain)",
            "15:35–16:35 Experiences / panel 60 min Experiences",
            "15:35–15:45 Presentation 10 min Portugal · Dissuasion "
            "Speaker: Catia Lima, Psychologist, CDT Porto (Portugal)",
        ],
        "when": "Wednesday, 10 May 2023 15:30–17:00 Madrid time, UTC+02:00",
    },
    "es": {
        "headings": [
            "Contexto",
            "Resultado principal y objetivos",
            "Instituciones y personas participantes",
            "Metodología",
            "Preguntas orientadoras",
            "Agenda",
            "Hora en los países participantes",
        ],
        "title": "Mecanismos inclusivos",
        "context": "Contexto Contexto de COPOLAD.",
        "objectives": ["Objetivo uno", "Objetivo dos"],
        "moments": ["Ejes temáticos", "Antes de la sesión", "Durante la sesión", "Después de la sesión"],
        "steps": ["Enviar la invitación", "Debatir", "Compartir conclusiones"],
        "questions": ["¿Qué mecanismos?"],
        "agenda": [
            "15:30–15:35 Apertura 5 min Apertura Anfitrión/a: Javier Sagredo, Director, COPOLAD III (España)",
            "15:35–16:35 Experiencias / panel 60 min Experiencias",
            "15:35–15:45 Presentación 10 min Portugal · Disuasión Ponente: Catia Lima, Psicóloga, CDT Porto (Portugal)",
        ],
        "when": "Miércoles, 10 de mayo de 2023 15:30–17:00 hora de Madrid, UTC+02:00",
    },
    "pt": {
        "headings": [
            "Contexto",
            "Resultado principal e objetivos",
            "Instituições e pessoas participantes",
            "Metodologia",
            "Perguntas orientadoras",
            "Agenda",
            "Hora nos países participantes",
        ],
        "title": "Mecanismos inclusivos PT",
        "context": "Contexto Contexto do COPOLAD.",
        "objectives": ["Objetivo um", "Objetivo dois"],
        "moments": ["Eixos temáticos", "Antes da sessão", "Durante a sessão", "Depois da sessão"],
        "steps": ["Enviar o convite", "Debater", "Partilhar conclusões"],
        "questions": ["Que mecanismos?"],
        "agenda": [
            "15:30–15:35 Abertura 5 min Abertura Anfitrião/ã: Javier Sagredo, Diretor, COPOLAD III (Espanha)",
            "15:35–16:35 Experiências / painel 60 min Experiências",
            "15:35–15:45 Apresentação 10 min Portugal · Dissuasão "
            "Orador(a): Catia Lima, Psicóloga, CDT Porto (Portugal)",
        ],
        "when": "Quarta-feira, 10 de maio de 2023 15:30–17:00 horário de Madrid, UTC+02:00",
    },
}


def agenda_lines(page):
    """One line per agenda item: its own text without the text of the items nested in it."""
    agenda = element(page, "section", id="agenda")
    items = agenda.split('<li class="agenda-item')[1:]
    return [text('<li class="agenda-item' + item.split('<ol class="list-unstyled agenda')[0]) for item in items]


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_session_page_shows_every_section_of_the_concept_note_in_each_language(client, full_session, language):
    response = client.get(f"/{language}/sessions/session-2/")

    assert response.status_code == 200
    page = response.content.decode()
    expected = EXPECTED[language]
    assert texts(page, "h1") == [expected["title"]]
    sections = ["context", "objectives", "participants", "methodology", "questions", "agenda", "times"]
    assert [texts(element(page, "section", id=id_), "h2")[0] for id_ in sections] == expected["headings"]
    assert text(element(page, "section", id="context")) == expected["context"]
    objectives = element(page, "section", id="objectives")
    assert texts(element(objectives, "ol", css_class="objectives"), "li") == expected["objectives"]
    methodology = element(page, "section", id="methodology")
    assert texts(methodology, "h3") == expected["moments"]
    assert [text(step) for step in texts(element(methodology, "ol", css_class="methodology"), "ul")] == expected[
        "steps"
    ]
    assert texts(element(page, "ol", css_class="guiding-questions"), "li") == expected["questions"]
    assert agenda_lines(page) == expected["agenda"]
    assert text(element(page, "dd", css_class="when")).startswith(expected["when"])


def test_session_page_lists_main_outcome_participants_and_focuses(client, full_session):
    page = client.get("/en/sessions/session-2/").content.decode()

    objectives = element(page, "section", id="objectives")
    assert texts(objectives, "h3") == ["Main outcome", "Specific objectives"]
    assert texts(objectives, "p") == ["Consolidate the group."]
    assert (
        text(element(page, "section", id="participants")) == "Participating institutions and individuals Focal points."
    )
    assert texts(element(page, "ul", css_class="thematic-focuses"), "li") == ["Gender"]


def test_session_page_table_of_local_times_names_every_zone(client, full_session):
    page = client.get("/en/sessions/session-2/").content.decode()

    table = element(page, "section", id="times")
    rows = [text(row) for row in table.split("<tr")[2:]]
    # The date is said once above the table; a row repeats it only where the local date differs.
    assert texts(table, "p") == [
        "The session is on Wednesday, 10 May 2023 (Madrid time). Daylight saving time is included."
    ]
    assert rows[0] == 'data-zone="America/Mexico_City"> Mexico City Mexico 07:30–09:00 UTC-06:00'
    assert rows[-1] == 'data-zone="Europe/Madrid"> Madrid Spain 15:30–17:00 UTC+02:00'
    assert len(rows) == 13


def test_session_page_never_shows_the_join_link_or_speaker_emails(client, full_session):
    for language in ["en", "es", "pt"]:
        response = client.get(f"/{language}/sessions/session-2/")
        page = response.content.decode()
        # The page is shown, with the speaker (whose e-mail stays private) and the session's venue.
        assert response.status_code == 200
        assert page.count("Catia Lima") >= 1
        assert JOIN_URL not in page
        assert "catia.private@example.org" not in page


def test_viewer_time_is_left_to_a_static_script(client, full_session):
    page = client.get("/en/sessions/session-2/").content.decode()

    assert '<script src="/static/js/local-time.js" defer></script>' in page
    assert 'data-start="2023-05-10T13:30:00+00:00"' in page
    assert "<script>" not in page


def test_draft_session_is_404_for_the_public_and_a_preview_for_staff(client, staff):
    SessionFactory(slug="draft-session", status=Session.Status.DRAFT, title="Secret plans")

    assert client.get("/en/sessions/draft-session/").status_code == 404
    assert client.get("/en/sessions/draft-session/calendar.ics").status_code == 404
    assert "Secret plans" not in client.get("/en/").content.decode()

    client.force_login(staff)
    response = client.get("/en/sessions/draft-session/")
    assert response.status_code == 200
    assert texts(response.content.decode(), "h1") == ["Secret plans"]
    assert text(element(response.content.decode(), "div", css_class="alert-warning")) == (
        "Preview: this session is a draft and is not visible to the public."
    )


def test_unknown_session_is_a_404_page(client, db):
    response = client.get("/es/sessions/no-such-session/")

    assert response.status_code == 404
    assert texts(response.content.decode(), "h1") == ["Página no encontrada"]


def test_home_lists_upcoming_and_past_sessions_by_group(client, db):
    group = WorkingGroupFactory()
    SessionFactory(
        group=group,
        number=2,
        title="Held one",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID),
        status=Session.Status.HELD,
    )
    SessionFactory(group=group, number=3, title="Coming one", status=Session.Status.REGISTRATION_OPEN)
    SessionFactory(group=group, number=4, title="Draft one", status=Session.Status.DRAFT)

    page = client.get("/en/").content.decode()

    assert texts(page, "h2") == [group.name]
    assert texts(page, "h3") == ["Upcoming sessions", "Past sessions"]
    assert texts(page, "h4") == ["Session 3: Coming one", "Session 2: Held one"]


def test_home_in_spanish(client, db):
    SessionFactory(number=3, title_es="Sesión próxima", title_en="Coming one")

    page = client.get("/es/").content.decode()

    assert texts(page, "h1") == ["Sesiones del grupo de trabajo"]
    assert texts(page, "h3") == ["Próximas sesiones"]
    assert texts(page, "h4") == ["Sesión 3: Sesión próxima"]


def build_agenda(session, count):
    block = AgendaItemFactory(session=session, order=0, duration_minutes=count * 5, kind=AgendaItem.Kind.EXPERIENCES)
    for number in range(count - 1):
        item = AgendaItemFactory(session=session, parent=block if number % 2 else None, duration_minutes=5)
        AgendaRoleFactory(item=item)


def counted_session(slug, agenda_size):
    session = SessionFactory(slug=slug)
    build_agenda(session, agenda_size)
    ObjectiveFactory(session=session)
    MethodologyStepFactory(session=session)
    GuidingQuestionFactory(session=session)
    return session


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


@pytest.mark.parametrize("count", [3, 40])
def test_session_page_query_count_does_not_grow_with_the_agenda(client, db, django_assert_num_queries, count):
    # The page with a one-item agenda sets the bar: session+group, focuses, objectives,
    # methodology, questions, agenda items, roles+speakers, plus what the partials included
    # from other features (registration box with its privacy notice, documents) need.
    counted_session("baseline", 1)
    baseline = queries_for(client, "/en/sessions/baseline/")
    counted_session("counted", count)

    with django_assert_num_queries(baseline):
        response = client.get("/en/sessions/counted/")
    assert len(agenda_lines(response.content.decode())) == count
    assert baseline <= 11


@pytest.mark.parametrize(("sessions", "agenda_size"), [(2, 3), (12, 15)])
def test_home_query_count_does_not_grow_with_sessions_or_agenda(
    client, db, django_assert_num_queries, sessions, agenda_size
):
    for _ in range(sessions):
        build_agenda(SessionFactory(), agenda_size)

    # groups, their focuses, their sessions
    with django_assert_num_queries(3):
        response = client.get("/en/")
    assert len(texts(response.content.decode(), "h4")) == sessions
