"""Celery tasks of the participants' wing: thin wrappers around domain functions.

``registrations.send_queued_deliveries`` is the sender a request (or the sweeper) wakes: it sends
every queued transactional message (``outbox.send_queued``). ``registrations.send_delivery`` sends
one message: each message when tasks run eagerly, without a broker. Both write a registrant's
message here (``notifications.render_delivery``), after the request that queued it has answered.
"""

import logging

from celery import shared_task

from . import notifications, retention
from .mail import outbox

logger = logging.getLogger(__name__)


@shared_task(name="registrations.apply_retention")
def apply_retention_task():
    """What `manage.py apply_retention` does, on the beat's schedule; safe to run twice."""
    report = retention.apply_retention()
    logger.info("Retention applied: %s", "; ".join(report.lines()))


@shared_task(name="registrations.send_delivery", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_delivery_task(self, delivery_id):
    try:
        # A registrant's message is written here, after the request that queued it has answered.
        outbox.send_delivery(delivery_id=delivery_id, render=notifications.render_delivery)
    except outbox.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=outbox.retry_countdown(self.request.retries)) from exc


@shared_task(name="registrations.send_queued_deliveries", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_queued_deliveries_task(self):
    if not outbox.send_queued(render=notifications.render_delivery):
        return
    # The SMTP server failed: everything still queued waits for this task's retry, with backoff.
    if self.request.is_eager or self.request.retries >= self.max_retries:
        outbox.release_sender()
        logger.warning("Queued deliveries not sent yet; left to the next sender and the sweeper")
        return
    countdown = outbox.retry_countdown(self.request.retries)
    # New rows wait for this retry rather than each wake a sender into the same failure, but never
    # longer than SENDER_WOKEN_SECONDS: then the next row tries at once (the server may be back).
    outbox.keep_sender_woken(seconds=min(countdown, outbox.SENDER_WOKEN_SECONDS))
    raise self.retry(countdown=countdown)
