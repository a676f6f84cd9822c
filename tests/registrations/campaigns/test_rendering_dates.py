"""Mailings write dates as the pages and the other e-mails do, in each recipient's language."""

import zoneinfo
from datetime import datetime

import pytest

from registrations.campaigns import audiences, rendering
from registrations.models import Mailing
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("language", "start_session", "start_local"),
    [
        (
            "es",
            "miércoles, 14 de abril de 2027, 15:30 (hora de Madrid, UTC+02:00)",
            "miércoles, 14 de abril de 2027, 10:30 (hora de Montevideo, UTC-03:00)",
        ),
        (
            "pt",
            "quarta-feira, 14 de abril de 2027, 15:30 (horário de Madrid, UTC+02:00)",
            "quarta-feira, 14 de abril de 2027, 10:30 (horário de Montevideo, UTC-03:00)",
        ),
        (
            "en",
            "Wednesday, 14 April 2027, 15:30 (Madrid time, UTC+02:00)",
            "Wednesday, 14 April 2027, 10:30 (Montevideo time, UTC-03:00)",
        ),
    ],
)
def test_start_placeholders_use_the_language_date_format(language, start_session, start_local):
    session = SessionFactory(starts_at=datetime(2027, 4, 14, 15, 30, tzinfo=MADRID), time_zone="Europe/Madrid")
    mailing = Mailing(session=session, kind=Mailing.Kind.SAVE_THE_DATE)
    recipient = audiences.Recipient(email="ana@example.org", language=language, time_zone="America/Montevideo")

    values = rendering.placeholder_values(mailing=mailing, recipient=recipient, language=language)

    assert (values["start_session"], values["start_local"]) == (start_session, start_local)
