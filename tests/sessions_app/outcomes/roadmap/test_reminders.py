"""Reminders of a country's due and overdue actions: once per action and threshold, in the focal
point's language, through the outbox, and none after opting out."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from registrations.models import Delivery
from sessions_app.models import RoadmapReminderOptOut
from sessions_app.outcomes.roadmap.reminders import send_roadmap_reminders
from tests.factories import RoadmapItemFactory, SessionFactory

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def action():
    session = SessionFactory(time_zone="Europe/Madrid", status="held")
    return RoadmapItemFactory(
        group=session.group,
        title_en="Share the evaluation",
        title_es="Compartir la evaluación",
        owner_kind="country",
        owner_country="UY",
        agreed_session=session,
        due_date=date(2026, 12, 31),
    )


def _at(*args):
    return datetime(*args, tzinfo=MADRID)


def test_a_reminder_goes_out_once_per_threshold_in_the_focal_points_language(
    action, focal_point_uruguay, focal_point_mexico, django_capture_on_commit_callbacks
):
    def run(*moment):
        with django_capture_on_commit_callbacks(execute=True):
            return send_roadmap_reminders(now=_at(*moment))

    # Too early: 31 days before.
    assert run(2026, 11, 30, 12) == 0
    # Within 30 days: one e-mail to Uruguay's focal point, in Spanish; Mexico's hears nothing.
    assert run(2026, 12, 1, 12) == 1
    assert run(2026, 12, 15, 12) == 0
    # Overdue from midnight after the due date in Madrid: the second and last one.
    assert run(2026, 12, 31, 23, 59) == 0
    assert run(2027, 1, 1, 0, 0) == 1
    assert run(2027, 2, 1, 12) == 0

    deliveries = list(Delivery.objects.filter(kind="roadmap_reminder").order_by("pk"))
    assert [(d.to_email, d.language) for d in deliveries] == [("fp.uy@example.org", "es")] * 2
    assert [message.to for message in mail.outbox] == [["fp.uy@example.org"]] * 2
    soon, overdue = mail.outbox
    assert (
        soon.subject
        == "Acción de la hoja de ruta con vencimiento próximo: Compartir la evaluación · COPOLAD III WG 3.5"
    )
    assert overdue.subject == "Acción vencida de la hoja de ruta: Compartir la evaluación · COPOLAD III WG 3.5"
    assert "/es/focal-point/roadmap/reminders/" in overdue.body


def test_no_reminder_after_opting_out(action, focal_point_uruguay):
    RoadmapReminderOptOut.objects.create(user=focal_point_uruguay.user)
    assert send_roadmap_reminders(now=_at(2026, 12, 20, 12)) == 0
    assert mail.outbox == []


def test_done_and_programme_actions_remind_nobody(action, focal_point_uruguay):
    action.status = "done"
    action.save()
    RoadmapItemFactory(group=action.group, due_date=date(2026, 12, 20))
    assert send_roadmap_reminders(now=_at(2026, 12, 20, 12)) == 0


def test_a_deactivated_focal_point_gets_nothing(action, focal_point_uruguay):
    focal_point_uruguay.is_active = False
    focal_point_uruguay.save()
    assert send_roadmap_reminders(now=_at(2026, 12, 20, 12)) == 0


def test_the_beat_runs_the_task():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["send-roadmap-reminders"]["task"] == "sessions_app.send_roadmap_reminders"
