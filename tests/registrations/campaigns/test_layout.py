"""Every e-mail has the same layout: the invitation carries the session card and a button like the
confirmation does, and a time with its UTC offset never breaks at the offset's hyphen on a phone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from common.links import absolute_url
from registrations.campaigns import audiences, building, rendering
from registrations.models import Delivery, Mailing
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def invitation(session):
    mailing = Mailing(
        session=session,
        kind=Mailing.Kind.INVITATION,
        audience=Mailing.Audience.REGISTRANTS,
        status=Mailing.Status.QUEUED,
        registrant_statuses=["confirmed"],
    )
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    return mailing


@pytest.fixture
def session():
    return SessionFactory(
        title_es="Mecanismos inclusivos",
        starts_at=datetime(2027, 5, 10, 16, 0, tzinfo=ZoneInfo("Europe/Madrid")),
        time_zone="Europe/Madrid",
        status=Session.Status.REGISTRATION_OPEN,
    )


@pytest.mark.parametrize("build", [True, False], ids=["built for many", "rendered alone"])
def test_the_invitation_has_the_session_card_and_a_register_button(session, build, django_capture_on_commit_callbacks):
    mexico = RegistrationFactory(session=session, language="es", time_zone="America/Mexico_City", status="confirmed")
    madrid = RegistrationFactory(session=session, language="es", time_zone="Europe/Madrid", status="confirmed")
    mailing = invitation(session)

    if build:
        with django_capture_on_commit_callbacks(execute=False):
            building.build_mailing(mailing_id=mailing.pk)
        html = {d.registration_id: d.body_html for d in Delivery.objects.filter(mailing=mailing)}
    else:
        html = {
            person.pk: rendering.render_mailing(
                mailing=mailing,
                recipient=audiences.Recipient(
                    email=person.email, language="es", time_zone=person.time_zone, registration=person
                ),
            )[3]
            for person in (mexico, madrid)
        }

    with translation.override("es"):
        register = f'href="{absolute_url(session.get_absolute_url())}#register"'
    for person in (mexico, madrid):
        assert "Sesión" in html[person.pk] and "Mecanismos inclusivos</strong>" in html[person.pk]
        assert register in html[person.pk] and ">Inscribirse en la sesión</a>" in html[person.pk]
    assert (
        'Su hora</dt><dd style="margin:0;">lunes, 10 de mayo de 2027, 08:00 '
        '(hora de Ciudad de México, <span style="white-space:nowrap;">UTC-06:00</span>)</dd>'
    ) in html[mexico.pk]
    assert "Su hora" not in html[madrid.pk]
    assert (
        'Cuándo</dt><dd style="margin:0;">lunes, 10 de mayo de 2027, 16:00 '
        '(hora de Madrid, <span style="white-space:nowrap;">UTC+02:00</span>)</dd>'
    ) in html[madrid.pk]
    assert "Hora de la organización" in html[mexico.pk] and "Hora de la organización" not in html[madrid.pk]


def test_times_are_kept_whole_in_text_and_never_inside_a_tag():
    html = '<p>A las 08:00 UTC-06:00 <a href="https://x.org/?t=UTC-06:00">UTC-06:00</a></p>'

    assert rendering.keep_times_whole(html) == (
        '<p>A las <span style="white-space:nowrap;">08:00 UTC-06:00</span> '
        '<a href="https://x.org/?t=UTC-06:00"><span style="white-space:nowrap;">UTC-06:00</span></a></p>'
    )
