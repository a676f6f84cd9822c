"""Celery tasks: thin wrappers that fetch by primary key and call the outbox or the mailings.

Queues: transactional mail (confirmations, password resets) goes to "default"; mailings fan out
and send on "bulk" (see CELERY_TASK_ROUTES), so a campaign never delays a confirmation. Start
one worker per kind of queue in production:

    celery -A copolad_wg worker -Q default,documents --concurrency=2
    celery -A copolad_wg worker -Q bulk --concurrency=2
    celery -A copolad_wg beat
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from .. import notifications
from . import mailings, outbox

logger = logging.getLogger(__name__)


def _backoff(retries):
    """Seconds before retry number ``retries + 1``: doubles from OUTBOX_RETRY_BASE_SECONDS, capped at 10 min."""
    return min(600, settings.OUTBOX_RETRY_BASE_SECONDS * 2**retries)


@shared_task(name="registrations.send_delivery", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_delivery_task(self, delivery_id):
    # A registrant's message is written here, after the request that queued it has answered.
    notifications.render_pending(delivery_id=delivery_id)
    try:
        outbox.send_delivery(delivery_id=delivery_id)
    except outbox.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(name="registrations.send_delivery_batch", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_delivery_batch_task(self, delivery_ids):
    remaining = outbox.send_delivery_batch(delivery_ids=delivery_ids)
    mailings.update_mailing_status(delivery_ids=delivery_ids)
    if not remaining:
        return
    if self.request.is_eager or self.request.retries >= self.max_retries:
        # The rows stay queued; the periodic sweeper hands them out again.
        logger.warning("%s deliveries not sent yet; left queued for the sweeper", len(remaining))
        return
    # Retry only what is left, with backoff; what was sent is not in the list any more.
    raise self.retry(args=(remaining,), countdown=_backoff(self.request.retries))


@shared_task(name="registrations.build_mailing", acks_late=True)
def build_mailing_task(mailing_id):
    mailings.build_mailing(mailing_id=mailing_id)


@shared_task(name="registrations.requeue_stuck_deliveries")
def requeue_stuck_deliveries_task():
    outbox.requeue_stuck_deliveries(older_than=timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS))


@shared_task(name="registrations.dispatch_due_mailings")
def dispatch_due_mailings_task():
    mailings.dispatch_due_mailings()


@shared_task(name="registrations.send_due_reminders")
def send_due_reminders_task():
    mailings.send_due_reminders()
