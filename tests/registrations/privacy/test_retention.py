"""Retention: the windows come from the environment, and `apply_retention` applies them once and for all."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from registrations.models import Delivery, Registration
from sessions_app.models import Session
from tests.factories import DeliveryFactory, RegistrationFactory, SessionFactory

WINDOWS = ("PENDING_REGISTRATION_DAYS", "DELIVERY_BODY_DAYS", "PERSONAL_DATA_RETENTION_DAYS", "AUDIT_RETENTION_DAYS")


def test_the_windows_are_read_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "copolad_wg.settings_test", **dict.fromkeys(WINDOWS, "0")}
    script = f"from django.conf import settings; print([getattr(settings, name) for name in {WINDOWS!r}])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=env,
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[0, 0, 0, 0]"


def test_a_negative_window_is_refused_at_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "copolad_wg.settings_test", "DELIVERY_BODY_DAYS": "-1"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DELIVERY_BODY_DAYS must be 0 or more days" in result.stderr


def run():
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    return out.getvalue().splitlines()


def snapshot():
    return (
        list(Registration.objects.order_by("pk").values()),
        list(Delivery.objects.order_by("pk").values()),
    )


@pytest.mark.django_db
def test_every_window_at_zero_applied_twice_gives_the_same_result(settings, client):
    for name in WINDOWS:
        setattr(settings, name, 0)
    held = SessionFactory(starts_at=timezone.now() - timedelta(days=2), status=Session.Status.HELD)
    upcoming = SessionFactory()
    attendee = RegistrationFactory(
        session=held, email="ana@example.org", full_name="Ana Souza", status="attended", gender="woman", country="BR"
    )
    pending = RegistrationFactory(session=upcoming, email="pending@example.org", status="pending")
    confirmed = RegistrationFactory(
        session=upcoming, email="kept@example.org", full_name="Kept Person", status="confirmed"
    )
    sent = DeliveryFactory(registration=confirmed, to_email="kept@example.org", status="sent", body_text="private link")
    queued = DeliveryFactory(registration=confirmed, to_email="kept@example.org", status="queued", body_text="later")
    attendee_token = attendee.token
    audit_entries = LogEntry.objects.count()  # the factories' creations, all older than 0 days by then

    first = run()

    assert first == [
        "Expired pending registrations: 1",
        "Outbox bodies dropped: 1",
        "Registrations anonymised: 1",
        "Outbox addresses erased: 2",
        f"Audit entries deleted: {audit_entries}",
        "Certificate verification records deleted: 0",
    ]
    # Pending rows are gone.
    assert not Registration.objects.filter(pk=pending.pk).exists()
    # Bodies are gone, the metadata stays.
    sent.refresh_from_db()
    assert (sent.body_text, sent.subject, sent.status, sent.kind) == ("", "", "sent", "mailing")
    # The held session's people are anonymised; their statistics stay; their link is dead.
    attendee.refresh_from_db()
    assert (attendee.email, attendee.full_name, attendee.token) == ("", "", None)
    assert (attendee.country.code, attendee.gender, attendee.status) == ("BR", "woman", "attended")
    assert client.get(f"/en/registrations/r/{attendee_token}/").status_code == 404
    # With a 0-day window even an upcoming session's outbox addresses go; the registration stays.
    queued.refresh_from_db()
    assert (queued.status, queued.to_email) == ("suppressed", "")
    assert Registration.objects.get(pk=confirmed.pk).full_name == "Kept Person"

    state = snapshot()
    second = run()

    assert snapshot() == state
    assert second == [
        "Expired pending registrations: 0",
        "Outbox bodies dropped: 0",
        "Registrations anonymised: 0",
        "Outbox addresses erased: 0",
        "Audit entries deleted: 0",
        "Certificate verification records deleted: 0",
    ]


@pytest.mark.django_db
def test_default_windows_keep_what_is_recent(settings):
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=10), status=Session.Status.HELD)
    attendee = RegistrationFactory(session=session, status="attended")
    pending = RegistrationFactory(status="pending")
    delivery = DeliveryFactory(registration=attendee, status="sent")

    assert run()[:4] == [
        "Expired pending registrations: 0",
        "Outbox bodies dropped: 0",
        "Registrations anonymised: 0",
        "Outbox addresses erased: 0",
    ]
    assert Registration.objects.filter(pk__in=[attendee.pk, pending.pk], anonymised_at__isnull=True).count() == 2
    assert Delivery.objects.get(pk=delivery.pk).body_text == "Dear colleagues,"


@pytest.mark.django_db
def test_an_expired_pending_link_is_a_404_even_before_the_command_runs(client, settings):
    settings.PENDING_REGISTRATION_DAYS = 14
    pending = RegistrationFactory(status="pending")
    Registration.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=15))

    page = client.get(f"/en/registrations/r/{pending.token}/")
    confirm = client.post(f"/en/registrations/r/{pending.token}/confirm/")

    for response in (page, confirm):
        assert response.status_code == 404
        assert '<h1 class="h3">Page not found</h1>' in response.content.decode()
        assert pending.full_name not in response.content.decode()
    assert Registration.objects.get(pk=pending.pk).status == "pending"


def test_the_beat_runs_the_command_s_task():
    assert django_settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == "registrations.apply_retention"
