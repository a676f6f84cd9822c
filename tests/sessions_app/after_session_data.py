"""A held session with everything the after-session documents show, in three languages."""

from datetime import datetime
from zoneinfo import ZoneInfo

from agenda.models import AgendaItem, AgendaRole
from registrations.models import Contribution, ContributionAnswer, Registration
from sessions_app.models import RoadmapItem, Session
from sessions_app.outcomes.conclusions import write_conclusions
from tests.factories import (
    AgendaItemFactory,
    GuidingQuestionFactory,
    ObjectiveFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
)

CONCLUSIONS = {
    "en": "<p>The group agreed to map alternatives to imprisonment in Uruguay and México.</p>",
    "es": "<p>El grupo acordó mapear alternativas a la prisión en Uruguay y México.</p>",
    "pt": "<p>O grupo concordou em mapear alternativas à prisão no Uruguai e no México.</p>",
}
ROADMAP_TITLES = {
    "en": "Regional mapping of inclusion programmes",
    "es": "Mapeo regional de programas de inclusión",
    "pt": "Mapeamento regional de programas de inclusão",
}
ANSWER_UY = "Programa de inclusión sociolaboral para mujeres liberadas (Proyecto Crisálidas)."
ANSWER_MX = "Centros Juventud con Propósito, con la participación de SERAJ."
DRAFT_ANSWER = "Borrador que nadie debe ver."


def build_held_session():
    session = SessionFactory(
        title_en="Inclusive mechanisms to reduce the inequality gap",
        title_es="Mecanismos inclusivos para reducir la brecha de desigualdad",
        title_pt="Mecanismos inclusivos para reduzir a lacuna de desigualdade",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid")),
        time_zone="Europe/Madrid",
        status=Session.Status.HELD,
        context_en="COPOLAD is the cooperation programme on drug policies.",
        context_es="COPOLAD es el programa de cooperación en políticas de drogas.",
        context_pt="COPOLAD é o programa de cooperação em políticas de drogas.",
    )
    ObjectiveFactory(
        session=session,
        text_en="Consolidate the working group",
        text_es="Consolidar el grupo de trabajo",
        text_pt="Consolidar o grupo de trabalho",
    )
    question = GuidingQuestionFactory(
        session=session,
        text_en="Which inclusion programmes exist?",
        text_es="¿Qué programas de inclusión existen?",
        text_pt="Que programas de inclusão existem?",
    )
    opening = AgendaItemFactory(
        session=session,
        order=0,
        kind=AgendaItem.Kind.OPENING,
        duration_minutes=5,
        title_en="Opening",
        title_es="Apertura",
        title_pt="Abertura",
    )
    block = AgendaItemFactory(
        session=session,
        order=1,
        kind=AgendaItem.Kind.EXPERIENCES,
        duration_minutes=60,
        title_en="Experiences of articulation",
        title_es="Experiencias de articulación",
        title_pt="Experiências de articulação",
    )
    portugal = AgendaItemFactory(
        session=session,
        parent=block,
        order=0,
        country="PT",
        duration_minutes=10,
        title_en="Decriminalisation of consumption",
        title_es="Descriminalización del consumo",
        title_pt="Descriminalização do consumo",
    )
    AgendaRole.objects.create(item=opening, speaker=SpeakerFactory(name="Javier Sagredo"), role="speaker")
    AgendaRole.objects.create(item=portugal, speaker=SpeakerFactory(name="Cátia Lima", country="PT"), role="speaker")
    AgendaRole.objects.create(
        item=block, speaker=SpeakerFactory(name="Beatriz López Lorca"), role=AgendaRole.Role.MODERATOR
    )
    write_conclusions(session=session, bodies=CONCLUSIONS, is_public=False)
    RoadmapItem.objects.create(
        group=session.group,
        order=0,
        owner_kind=RoadmapItem.Owner.COUNTRY,
        owner_country="UY",
        period="Q3 2023",
        status=RoadmapItem.Status.IN_PROGRESS,
        title_en=ROADMAP_TITLES["en"],
        title_es=ROADMAP_TITLES["es"],
        title_pt=ROADMAP_TITLES["pt"],
    )
    for country, text, status in (
        ("UY", ANSWER_UY, Contribution.Status.SUBMITTED),
        ("MX", ANSWER_MX, Contribution.Status.SUBMITTED),
        ("AR", DRAFT_ANSWER, Contribution.Status.DRAFT),
    ):
        contribution = Contribution.objects.create(session=session, country=country, status=status)
        ContributionAnswer.objects.create(contribution=contribution, question=question, text=text)
    attendee = RegistrationFactory(
        session=session,
        full_name="João Gonçalves Núñez",
        email="Joao@Example.org",
        language="pt",
        status=Registration.Status.ATTENDED,
        attended_minutes=85,
    )
    registrant = RegistrationFactory(
        session=session,
        full_name="Lucía Pérez",
        email="lucia@example.org",
        language="es",
        status=Registration.Status.CONFIRMED,
    )
    return session, attendee, registrant
