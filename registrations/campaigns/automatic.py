"""The mailings the portal writes itself: reminders before a session, and the update when it moves."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from registrations.campaigns.building import build_mailing, enqueue_build
from registrations.campaigns.rendering import fill_defaults
from registrations.models import Mailing, Registration
from sessions_app.models import Session
from sessions_app.scheduling import move_session


def _automatic_mailing(*, session, kind, auto_key):
    """Get or create a mailing the portal writes itself, with the default texts, already queued."""
    mailing = Mailing.objects.filter(auto_key=auto_key).first()
    if mailing is None:
        mailing = fill_defaults(
            mailing=Mailing(
                session=session,
                kind=kind,
                audience=Mailing.Audience.REGISTRANTS,
                registrant_statuses=[Registration.Status.CONFIRMED],
                status=Mailing.Status.QUEUED,
                queued_at=timezone.now(),
                auto_key=auto_key,
            )
        )
        mailing.attach_ics = kind == Mailing.Kind.UPDATE
        try:
            with transaction.atomic():
                mailing.save()
        except IntegrityError:
            # A concurrent run (two beat ticks, two admins) created it first.
            mailing = Mailing.objects.get(auto_key=auto_key)
    return mailing


def send_due_reminders(*, now=None):
    """Write the reminders that are due for every upcoming session; returns the rows created.

    For each session only the nearest due offset counts (someone confirmed two hours before gets
    the 24-hour reminder now, then the 1-hour one), and each (session, offset) is one mailing whose
    rows are unique per address, so running this twice, or every few minutes, sends each once.
    """
    now = now or timezone.now()
    upcoming = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=60),
            registrations__status=Registration.Status.CONFIRMED,
        )
        .exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
        .distinct()
    )
    created = 0
    for session in upcoming:
        offsets = [minutes for minutes in session.reminder_offsets_minutes or [] if isinstance(minutes, int)]
        due = [minutes for minutes in offsets if session.starts_at - timedelta(minutes=minutes) <= now]
        if not due:
            continue
        auto_key = f"reminder:{session.pk}:{session.ics_sequence}:{min(due)}"
        mailing = _automatic_mailing(session=session, kind=Mailing.Kind.REMINDER, auto_key=auto_key)
        created += build_mailing(mailing_id=mailing.pk)
    return created


def reschedule_session(*, session, starts_at):
    """Move the session (``sessions_app.scheduling.move_session``: its calendar SEQUENCE goes up) and
    send confirmed registrants an update. What staff's save passes to ``save_session``.

    The update carries each person's .ics with the same UID and the new SEQUENCE, so calendars move
    the event. Reminders already sent for the old time are sent again for the new one. Returns the
    update mailing, or None when the start did not change.
    """
    with transaction.atomic():
        if not move_session(session=session, starts_at=starts_at):
            return None
        mailing = _automatic_mailing(
            session=session, kind=Mailing.Kind.UPDATE, auto_key=f"update:{session.pk}:{session.ics_sequence}"
        )
        enqueue_build(mailing.pk)
    return mailing
