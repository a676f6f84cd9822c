"""Celery tasks: thin wrappers that fetch by primary key and call the outbox or the mailings.

The single-message task (``registrations.send_delivery``) is in ``registrations/tasks.py``: it
writes a registrant's message before sending it, which needs the participants' notifications.

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

from . import mailings, outbox

logger = logging.getLogger(__name__)


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
    raise self.retry(args=(remaining,), countdown=outbox.retry_countdown(self.request.retries))


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
