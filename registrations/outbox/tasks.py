"""Every Celery task of the outbox: thin wrappers that fetch by primary key and call the outbox.

``registrations.send_queued_deliveries`` is the sender a request (or the sweeper) wakes: it sends
every queued transactional message (``sending.send_queued``). ``registrations.send_delivery`` sends
one message: each message when tasks run eagerly, without a broker. Both write a registrant's
message just before sending, with the renderer that OUTBOX_RENDERER names (the participants'
``notifications.render_delivery``, which the outbox cannot import: notifications queue through it),
after the request that queued it has answered. ``registrations.send_delivery_batch`` sends a
mailing's rows, rendered when the mailing was built.

Queues: transactional mail (confirmations, password resets) goes to "default"; mailings fan out
and send on "bulk" (see CELERY_TASK_ROUTES), so a campaign never delays a confirmation. Start
one worker per kind of queue in production:

    celery -A copolad_wg worker -Q default,documents --concurrency=2
    celery -A copolad_wg worker -Q bulk --concurrency=2
    celery -A copolad_wg beat

The task names are what the beat schedule and queued messages refer to: they never change.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string

from registrations.outbox import queueing, sending, upkeep

logger = logging.getLogger(__name__)


def renderer():
    """The function that writes a registrant's message on its row (settings.OUTBOX_RENDERER)."""
    return import_string(settings.OUTBOX_RENDERER)


@shared_task(name="registrations.send_delivery", bind=True, max_retries=sending.MAX_ATTEMPTS, acks_late=True)
def send_delivery_task(self, delivery_id):
    try:
        # A registrant's message is written here, after the request that queued it has answered.
        sending.send_delivery(delivery_id=delivery_id, render=renderer())
    except sending.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=sending.retry_countdown(self.request.retries)) from exc


@shared_task(name="registrations.send_queued_deliveries", bind=True, max_retries=sending.MAX_ATTEMPTS, acks_late=True)
def send_queued_deliveries_task(self):
    if not sending.send_queued(render=renderer()):
        return
    # The SMTP server failed: everything still queued waits for this task's retry, with backoff.
    if self.request.is_eager or self.request.retries >= self.max_retries:
        queueing.release_sender()
        logger.warning("Queued deliveries not sent yet; left to the next sender and the sweeper")
        return
    countdown = sending.retry_countdown(self.request.retries)
    # New rows wait for this retry rather than each wake a sender into the same failure, but never
    # longer than SENDER_WOKEN_SECONDS: then the next row tries at once (the server may be back).
    queueing.keep_sender_woken(seconds=min(countdown, queueing.SENDER_WOKEN_SECONDS))
    raise self.retry(countdown=countdown)


@shared_task(name="registrations.send_delivery_batch", bind=True, max_retries=sending.MAX_ATTEMPTS, acks_late=True)
def send_delivery_batch_task(self, delivery_ids):
    remaining = sending.send_delivery_batch(delivery_ids=delivery_ids)
    upkeep.update_mailing_status(delivery_ids=delivery_ids)
    if not remaining:
        return
    if self.request.is_eager or self.request.retries >= self.max_retries:
        # The rows stay queued; the periodic sweeper hands them out again.
        logger.warning("%s deliveries not sent yet; left queued for the sweeper", len(remaining))
        return
    # Retry only what is left, with backoff; what was sent is not in the list any more.
    raise self.retry(args=(remaining,), countdown=sending.retry_countdown(self.request.retries))


@shared_task(name="registrations.requeue_stuck_deliveries")
def requeue_stuck_deliveries_task():
    upkeep.requeue_stuck_deliveries(older_than=timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS))
