"""Celery tasks: thin wrappers that fetch by primary key and call the outbox."""

import logging

from celery import shared_task

from . import outbox

logger = logging.getLogger(__name__)


@shared_task(name="registrations.send_delivery", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_delivery_task(self, delivery_id):
    try:
        outbox.send_delivery(delivery_id=delivery_id)
    except outbox.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc
