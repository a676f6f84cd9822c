"""Retention, applied automatically: what ``manage.py apply_retention`` and the beat task run.

Four windows, in days, from the settings (see ``privacy.retention_periods``):

- a registration still pending PENDING_REGISTRATION_DAYS after it was made expires: it is deleted
  with its outbox rows, and the person gets no further mail;
- an outbox row's subject, bodies and calendar file (which hold private links) are dropped
  DELIVERY_BODY_DAYS after it was queued, once it is no longer waiting to be sent; kind, status
  and dates stay;
- PERSONAL_DATA_RETENTION_DAYS after the last thing that happened to a registration (the session's
  end, or later: attendance recorded, a certificate issued, the person's own last change, each of
  which stamps ``Registration.updated_at``), it is anonymised (``personal_data.anonymise_registrations``):
  names, addresses, tokens and certificate files go, the statistics stay, and a certificate keeps
  only its verification record (code, initials, session, issue date) until CERTIFICATE_RECORD_DAYS
  after it was issued; outbox rows older than that lose their address too;
- audit entries older than AUDIT_RETENTION_DAYS are deleted.

Every step selects only what is still to do, so a second run changes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from auditlog.context import disable_auditlog
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations.consent import retention_periods
from registrations.models import Delivery, Registration
from registrations.outbox.erasure import drop_delivery_bodies, erase_deliveries
from registrations.privacy import audit
from registrations.privacy.personal_data import anonymise_registrations

# Sent once per run, after the four windows, so the upper wings apply their own (the certificates'
# verification records). kwargs: now. Receivers return how many rows they deleted.
retention_applied = Signal()

# Anonymise this many registrations per transaction, so a large backlog never holds long locks.
CHUNK = 500


@dataclass
class RetentionReport:
    expired_registrations: int = 0
    dropped_bodies: int = 0
    anonymised_registrations: int = 0
    erased_addresses: int = 0
    trimmed_audit_entries: int = 0
    expired_certificate_records: int = 0

    def lines(self):
        return [
            f"Expired pending registrations: {self.expired_registrations}",
            f"Outbox bodies dropped: {self.dropped_bodies}",
            f"Registrations anonymised: {self.anonymised_registrations}",
            f"Outbox addresses erased: {self.erased_addresses}",
            f"Audit entries deleted: {self.trimmed_audit_entries}",
            f"Certificate verification records deleted: {self.expired_certificate_records}",
        ]


def expire_pending_registrations(*, before):
    """Delete registrations still pending that were made before ``before``. Returns how many."""
    with transaction.atomic():
        stale = Registration.objects.filter(
            status=Registration.Status.PENDING, created_at__lt=before, anonymised_at__isnull=True
        )
        ids = list(stale.select_for_update().values_list("pk", flat=True))
        # Their outbox rows go with them (Delivery.registration cascades); nothing queued is sent.
        Registration.objects.filter(pk__in=ids).delete()
        audit.scrub_entries(registration_ids=ids)
    return len(ids)


def session_under_retention(session, *, now=None):
    """True when the registrations of ``session`` nobody has touched since it ended are already due
    for anonymisation: what staff are told before they add people, mark attendance or issue certificates."""
    now = now or timezone.now()
    return session.ends_at + timedelta(days=retention_periods().personal_data_days) <= now


def retention_warning(session, *, now=None):
    """What staff read before they add registrations, record attendance or issue certificates for a
    session whose data already fall under retention; None when they do not."""
    if not session_under_retention(session, now=now):
        return None
    days = retention_periods().personal_data_days
    return _(
        "This session ended more than %(days)d days ago: its registrations that nobody has touched since "
        "are anonymised by the hourly retention task. What you add or change now (a registration, attendance, "
        "a certificate) restarts that registration's clock: it is kept %(days)d days from today, then anonymised."
    ) % {"days": days}


def anonymise_past_sessions(*, before):
    """Anonymise the registrations whose session ended, and that last changed, before ``before``.
    Returns how many."""
    # Started before ``before`` is the bound the database checks; the end (start + duration, which
    # databases compute differently) is checked here.
    candidates = (
        Registration.objects.filter(anonymised_at__isnull=True, session__starts_at__lt=before, updated_at__lt=before)
        .select_related("session")
        .order_by("pk")
    )
    total = 0
    ids = [registration.pk for registration in candidates if registration.session.ends_at < before]
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            total += anonymise_registrations(
                registration_ids=ids[start : start + CHUNK], keep_verification=True
            ).registrations
    return total


def apply_retention(*, now=None):
    """Apply the four windows once, then let the upper wings apply theirs. Returns a RetentionReport."""
    now = now or timezone.now()
    periods = retention_periods()
    report = RetentionReport()
    # The audit log records what staff do; this job's own deletions would only copy into it the
    # names it is deleting (and make a second run find new entries to trim).
    with disable_auditlog():
        _apply(now=now, periods=periods, report=report)
    return report


def _apply(*, now, periods, report):
    report.expired_registrations = expire_pending_registrations(
        before=now - timedelta(days=periods.pending_registration_days)
    )
    report.dropped_bodies = drop_delivery_bodies(
        Delivery.objects.filter(created_at__lt=now - timedelta(days=periods.delivery_body_days))
    )
    personal_cutoff = now - timedelta(days=periods.personal_data_days)
    report.anonymised_registrations = anonymise_past_sessions(before=personal_cutoff)
    with transaction.atomic():
        report.erased_addresses = erase_deliveries(
            Delivery.objects.filter(created_at__lt=personal_cutoff).exclude(to_email="")
        )
    report.trimmed_audit_entries = audit.trim(before=now - timedelta(days=periods.audit_days))
    for _receiver, deleted in retention_applied.send(sender=Registration, now=now):
        report.expired_certificate_records += deleted or 0
