"""Celery tasks of the participants' wing: thin wrappers around domain functions.

``registrations.send_delivery`` sends one message of the outbox; a registrant's message is written
here first (``notifications.render_pending``), after the request that queued it has answered.
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
    # A registrant's message is written here, after the request that queued it has answered.
    notifications.render_pending(delivery_id=delivery_id)
    try:
        outbox.send_delivery(delivery_id=delivery_id)
    except outbox.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=outbox.retry_countdown(self.request.retries)) from exc
