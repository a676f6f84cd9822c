import pytest

from tests.factories import AgendaItemFactory, AgendaRoleFactory, SessionFactory, SpeakerFactory


@pytest.fixture
def searchable(db):
    """Session 2's Uruguay presentation, in three languages, with its speaker."""
    session = SessionFactory(
        number=2,
        slug="session-2",
        status="held",
        title="Inclusive mechanisms for people in prison",
        title_es="Mecanismos inclusivos para personas en prisión",
        title_pt="Mecanismos inclusivos para pessoas na prisão",
        context_pt="Programas de reinserção social e laboral.",
    )
    item = AgendaItemFactory(
        session=session,
        country="UY",
        title="Inclusion of women in detention",
        title_es="Inclusión de mujeres privadas de libertad",
        title_pt="Inclusão de mulheres em reclusão",
    )
    speaker = SpeakerFactory(name="Andrea Hernández", organisation="Proyecto Crisálidas", email="andrea@example.org")
    AgendaRoleFactory(item=item, speaker=speaker)
    return session, item, speaker
