"""Registering again while still pending: the mail carries the confirm link, in both parts."""

import pytest
from django.conf import settings

from registrations import registering, seats
from registrations.models import Delivery
from tests.factories import SessionFactory
from tests.registrations.helpers import person
from tests.support.sent import as_sent

pytestmark = pytest.mark.django_db


def test_a_pending_person_registering_again_gets_the_confirm_link(django_capture_on_commit_callbacks):
    session = SessionFactory()
    registration = registering.register_participant(session=session, data=person("ana@example.org", language="pt"))

    # The worker (eager here) writes the message after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        registering.register_participant(session=session, data=person("ANA@example.org", language="pt"))

    delivery = as_sent(Delivery.objects.get(kind="registration_link"))
    confirm_url = f"/pt/registrations/r/{registration.token}/confirm/"
    lines = delivery.body_text.splitlines()
    assert "Sua inscrição ainda não foi confirmada. Para confirmá-la, abra este link:" in lines
    assert lines[lines.index("Sua inscrição ainda não foi confirmada. Para confirmá-la, abra este link:") + 1].endswith(
        confirm_url
    )
    assert f'href="{settings.SITE_URL}{confirm_url}"' in delivery.body_html


def test_a_confirmed_person_registering_again_gets_no_confirm_link(django_capture_on_commit_callbacks):
    session = SessionFactory()
    registration = seats.confirm_registration(
        registration=registering.register_participant(session=session, data=person("ana@example.org"))
    )

    with django_capture_on_commit_callbacks(execute=True):
        registering.register_participant(session=session, data=person("ana@example.org"))

    delivery = as_sent(Delivery.objects.get(kind="registration_link"))
    assert "/confirm/" not in delivery.body_text
    assert registration.token in delivery.body_text
