"""The outbox's upkeep: the sweeper that hands stuck rows out again, the health counts, and a
mailing marked done once its last row is settled."""

import logging

from django.db import models, transaction
from django.utils import timezone

from registrations.models import Delivery, Mailing
from registrations.outbox import sending
from registrations.outbox.queueing import enqueue_delivery_batch, wake_sender
from registrations.outbox.sending import connection_supports_skip_locked

logger = logging.getLogger(__name__)


def requeue_stuck_deliveries(*, older_than, now=None):
    """Hand again to Celery every delivery queued for longer than ``older_than`` (a timedelta).

    A row whose task was lost (broker down when it was queued, worker killed mid-send) stays
    queued; this finds it. A row that a worker is sending right now may be handed out again: the
    new task finds its send lock taken, or the row sent, and leaves it. Returns the count.
    """
    now = now or timezone.now()
    cutoff = now - older_than
    stuck = Delivery.objects.filter(status=Delivery.Status.QUEUED, created_at__lt=cutoff).filter(
        models.Q(last_attempt_at__isnull=True) | models.Q(last_attempt_at__lt=cutoff)
    )
    with transaction.atomic():
        rows = list(
            stuck.select_for_update(skip_locked=connection_supports_skip_locked()).values_list("pk", "mailing_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _mailing in rows]).update(last_attempt_at=now)
    bulk = [pk for pk, mailing_id in rows if mailing_id is not None]
    if len(bulk) < len(rows):
        # The transactional ones: the sender sends every queued row, these with the rest.
        wake_sender()
    for start in range(0, len(bulk), sending.BATCH_SIZE):
        enqueue_delivery_batch(bulk[start : start + sending.BATCH_SIZE])
    if rows:
        logger.info("Re-queued %s stuck deliveries", len(rows))
    return len(rows)


def outbox_health(*, now=None):
    """Counts for the health check: what waits, what is being retried, what failed for good."""
    now = now or timezone.now()
    counts = Delivery.objects.aggregate(
        queued=models.Count("pk", filter=models.Q(status=Delivery.Status.QUEUED)),
        retrying=models.Count("pk", filter=models.Q(status=Delivery.Status.QUEUED, attempts__gt=0)),
        failed=models.Count("pk", filter=models.Q(status=Delivery.Status.FAILED)),
        oldest_queued=models.Min("created_at", filter=models.Q(status=Delivery.Status.QUEUED)),
    )
    oldest = counts.pop("oldest_queued")
    counts["oldest_queued_seconds"] = int((now - oldest).total_seconds()) if oldest else 0
    return counts


def update_mailing_status(*, delivery_ids=None, mailing_ids=None):
    """Mark done every sending mailing (of these deliveries) that has nothing left queued."""
    if mailing_ids is None:
        mailing_ids = set(
            Delivery.objects.filter(pk__in=delivery_ids, mailing__isnull=False).values_list("mailing_id", flat=True)
        )
    for mailing_id in mailing_ids:
        if not Delivery.objects.filter(mailing_id=mailing_id, status=Delivery.Status.QUEUED).exists():
            Mailing.objects.filter(pk=mailing_id, status=Mailing.Status.SENDING).update(
                status=Mailing.Status.DONE, finished_at=timezone.now()
            )
