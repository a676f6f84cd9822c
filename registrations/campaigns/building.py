"""Checking, queueing and building a mailing: one outbox row per recipient, handed to the bulk queue in batches."""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations.campaigns.audiences import LANGUAGE_CODES, Recipient, mailing_recipients, parse_addresses
from registrations.campaigns.rendering import PLACEHOLDERS, render_mailing, unknown_placeholders
from registrations.models import Delivery, Mailing, Suppression
from registrations.outbox import queueing, sending, suppression
from registrations.outbox.upkeep import update_mailing_status

logger = logging.getLogger(__name__)


class MailingBlocked(Exception):
    def __init__(self, blockers):
        super().__init__("; ".join(str(blocker) for blocker in blockers))
        self.blockers = blockers


def check_mailing(*, mailing, recipients=None, now=None):
    """What stops the mailing from being queued (blockers) and what staff should know (warnings)."""
    now = now or timezone.now()
    recipients = mailing_recipients(mailing) if recipients is None else recipients
    blockers, warnings = [], []
    if not recipients:
        blockers.append(_("The mailing has no recipients."))
    if mailing.audience == Mailing.Audience.ADDRESSES:
        _parsed, errors = parse_addresses(mailing.addresses, default_language=mailing.addresses_language)
        blockers.extend(errors[:20])
    for code in sorted({person.language for person in recipients}):
        if not (mailing.subject_in(code) and mailing.body_in(code)):
            blockers.append(
                _("The subject or body in %(language)s is missing and some recipients read that language.")
                % {"language": dict(settings.LANGUAGES)[code]}
            )
    unknown = unknown_placeholders(mailing)
    if unknown:
        blockers.append(
            _("Unknown placeholders: %(unknown)s. The placeholders you can use are: %(allowed)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )
    if mailing.kind == Mailing.Kind.INVITATION:
        bodies = [mailing.body_in(code) for code in LANGUAGE_CODES if mailing.body_in(code)]
        if not bodies or not all("{register_url}" in body or "{session_url}" in body for body in bodies):
            blockers.append(_("The invitation does not carry the registration link ({register_url})."))
        if not mailing.session.registration_is_open(now):
            warnings.append(_("Registration for this session is not open now."))
    if mailing.session.is_past(now):
        if mailing.kind in (Mailing.Kind.CONCLUSIONS, Mailing.Kind.CUSTOM):
            warnings.append(_("The session is in the past."))
        else:
            blockers.append(_("The session is in the past."))
    suppressed = len(_suppressed_addresses(person.email for person in recipients))
    if suppressed:
        warnings.append(
            _("%(count)s recipients are on the suppression list and will be skipped.") % {"count": suppressed}
        )
    if mailing.status != Mailing.Status.DRAFT:
        blockers.append(_("The mailing has already been queued."))
    return blockers, warnings


def _suppressed_addresses(emails):
    """The lower-cased addresses among ``emails`` that are on the suppression list (one query)."""
    by_hash = {suppression.address_hash(email): email.lower() for email in emails}
    found = Suppression.objects.filter(email_hash__in=list(by_hash)).values_list("email_hash", flat=True)
    return {by_hash[digest] for digest in found}


@transaction.atomic
def queue_mailing(*, mailing, now=None):
    """Move a draft mailing to queued and build it after commit (or at its scheduled time).

    Raises MailingBlocked when check_mailing finds blockers. Queueing twice builds once.
    """
    now = now or timezone.now()
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    blockers, _warnings = check_mailing(mailing=mailing, now=now)
    if blockers:
        raise MailingBlocked(blockers)
    mailing.status = Mailing.Status.QUEUED
    mailing.queued_at = now
    mailing.save(update_fields=["status", "queued_at"])
    if mailing.scheduled_at is None or mailing.scheduled_at <= now:
        enqueue_build(mailing.pk)
    return mailing


def enqueue_build(mailing_id):
    def enqueue():
        try:
            # Named rather than imported: tasks.py imports this module.
            current_app.signature("registrations.build_mailing", args=(mailing_id,)).delay()
        except Exception:
            logger.exception("Could not enqueue the build of mailing %s", mailing_id)

    transaction.on_commit(enqueue)


def dispatch_due_mailings(*, now=None):
    """Build queued mailings whose time has come, and any whose build task was lost or died
    half-way (a mailing stays queued until every row is written)."""
    now = now or timezone.now()
    stuck = now - timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)
    due = Mailing.objects.filter(status=Mailing.Status.QUEUED).filter(
        Q(scheduled_at__lte=now) | Q(scheduled_at__isnull=True, queued_at__lte=stuck)
    )
    for mailing_id in due.values_list("pk", flat=True):
        enqueue_build(mailing_id)


def build_mailing(*, mailing_id, recipients=None):
    """Write one delivery per recipient not yet written, a chunk at a time, and send as it goes.

    Each chunk of ``sending.BATCH_SIZE`` rows is committed and handed to the bulk queue at once, so
    a second worker process sends the first chunks while this one writes the rest. What reads the
    same for every recipient of a language (the local-time table, the public .ics, the HTML around
    the personal values) is written once per build (``render_mailing``'s ``shared``).
    Suppressed addresses get a row marked suppressed, so the mailing's page accounts for them.
    Building again (a retried task, a crash between two chunks) writes only the missing rows and
    hands out again the queued ones; the send path never sends a row twice. Returns the rows created.
    """
    with transaction.atomic():
        mailing = (
            Mailing.objects.select_for_update(of=("self",)).select_related("session").filter(pk=mailing_id).first()
        )
        if mailing is None or mailing.status == Mailing.Status.DRAFT:
            return 0
        recipients = mailing_recipients(mailing) if recipients is None else recipients
        existing = {email.lower() for email in mailing.deliveries.values_list("to_email", flat=True)}
        todo = [person for person in recipients if person.email.lower() not in existing]
        suppressed = _suppressed_addresses(person.email for person in todo)
        if mailing.status != Mailing.Status.QUEUED and todo:
            # Queued until every row is written: a batch that finishes meanwhile cannot mark it done,
            # and a build that dies half-way is found and finished by dispatch_due_mailings.
            mailing.status = Mailing.Status.QUEUED
            mailing.finished_at = None
            mailing.save(update_fields=["status", "finished_at"])
        # Rows an earlier build wrote whose batch never went out (the worker died between chunks).
        earlier = list(
            mailing.deliveries.filter(status=Delivery.Status.QUEUED).order_by("pk").values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_batches(earlier))
    shared = {}
    created = 0
    for start in range(0, len(todo), sending.BATCH_SIZE):
        created += _build_chunk(mailing, todo[start : start + sending.BATCH_SIZE], suppressed=suppressed, shared=shared)
    Mailing.objects.filter(pk=mailing_id, status=Mailing.Status.QUEUED).update(
        status=Mailing.Status.SENDING, finished_at=None
    )
    # Every batch may have finished already: then nothing else would mark the mailing done.
    update_mailing_status(mailing_ids=[mailing_id])
    return created


def _build_chunk(mailing, people, *, suppressed, shared):
    """Write and commit one chunk of deliveries, then hand its queued rows to the bulk queue."""
    rows = []
    for person in people:
        language, subject, body_text, body_html, ics, headers = render_mailing(
            mailing=mailing, recipient=person, shared=shared
        )
        rows.append(
            Delivery(
                key=f"mailing:{mailing.pk}:{person.email.lower()}"[:200],
                kind=mailing.kind,
                mailing=mailing,
                to_email=person.email,
                language=language,
                registration=person.registration,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                ics=ics,
                headers=headers,
                message_id=queueing.new_message_id(),
                status=Delivery.Status.SUPPRESSED if person.email.lower() in suppressed else Delivery.Status.QUEUED,
            )
        )
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        # ignore_conflicts returns no keys: read back the chunk's rows that wait to be sent.
        pending = list(
            Delivery.objects.filter(key__in=[row.key for row in rows], status=Delivery.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_batches(pending))
    return len(rows)


def _enqueue_batches(delivery_ids):
    for start in range(0, len(delivery_ids), sending.BATCH_SIZE):
        queueing.enqueue_delivery_batch(delivery_ids[start : start + sending.BATCH_SIZE])


def earlier_mailings(mailing):
    """Mailings of the same session already queued or sent, with how many they sent (one query)."""
    return list(
        Mailing.objects.filter(session_id=mailing.session_id)
        .exclude(pk=mailing.pk)
        .exclude(status=Mailing.Status.DRAFT)
        .annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            total=Count("deliveries"),
        )
        .order_by("-queued_at", "-pk")[:20]
    )


def mailing_progress(mailing):
    """Counts of the mailing's deliveries: sent, failed, pending (queued) and suppressed, in one query."""
    counts = mailing.deliveries.aggregate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        pending=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        suppressed=Count("pk", filter=Q(status=Delivery.Status.SUPPRESSED)),
        total=Count("pk"),
    )
    return counts


def retry_failed(*, mailing):
    """Queue the mailing's failed deliveries again with fresh attempts. Returns how many."""
    with transaction.atomic():
        failed = list(
            mailing.deliveries.select_for_update()
            .filter(status=Delivery.Status.FAILED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=failed).update(status=Delivery.Status.QUEUED, attempts=0, last_error="")
        if failed:
            Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING, finished_at=None)
        transaction.on_commit(lambda: _enqueue_batches(failed))
    return len(failed)


def send_test(*, mailing, to_email, language, recipient=None):
    """Send the mailing as ``recipient`` would get it, to ``to_email`` only (a new row each time)."""
    recipient = recipient or Recipient(email=to_email, language=language)
    language, subject, body_text, body_html, ics, headers = render_mailing(
        mailing=mailing, recipient=recipient, language=language
    )
    delivery = Delivery.objects.create(
        key=f"mailing-test:{mailing.pk}:{queueing.new_message_id()}"[:200],
        kind=f"{mailing.kind}-test",
        to_email=to_email,
        language=language,
        subject=f"[TEST] {subject}",
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        message_id=queueing.new_message_id(),
    )
    transaction.on_commit(lambda: queueing.enqueue_delivery(delivery.pk))
    return delivery
