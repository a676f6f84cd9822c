"""Celery tasks of the participants' wing: thin wrappers around domain functions.

``registrations.send_queued_deliveries`` is the sender a request wakes: it sends every queued
transactional message (``outbox.send_queued``). ``registrations.send_delivery`` sends one message
(the sweeper's hand-outs, and every message when tasks run eagerly). Both write a registrant's
message here (``notifications.render_delivery``), after the request that queued it has answered.
"""

import contextlib
import logging
import time

from celery import shared_task

from . import notifications, retention
from .mail import outbox

logger = logging.getLogger(__name__)


@shared_task(name="registrations.apply_retention")
def apply_retention_task():
    """What `manage.py apply_retention` does, on the beat's schedule; safe to run twice."""
    report = retention.apply_retention()
    logger.info("Retention applied: %s", "; ".join(report.lines()))


class KeptSMTPConnection:
    """The SMTP connection a worker process keeps from one transactional e-mail to the next while
    they follow closely (a registration rush), instead of connecting, greeting and quitting for
    each. Idle for IDLE_SECONDS, after MAX_MESSAGES or after a message that was not sent, it is
    closed and the next e-mail opens a new one: servers drop idle connections, some cap the
    messages per connection, and a failed exchange may leave it in any state."""

    IDLE_SECONDS = 5
    MAX_MESSAGES = 100

    def __init__(self):
        self.connection = None
        self.messages = 0
        self.last_used = self.failed_at = -float("inf")

    def get(self):
        """An open connection, or None when none can be opened: ``send_delivery`` then opens its
        own and records the failure on the row (not tried here again for IDLE_SECONDS, so a server
        that is down costs each e-mail one time-out, not two)."""
        now = time.monotonic()
        if self.connection is not None and (
            now - self.last_used > self.IDLE_SECONDS or self.messages >= self.MAX_MESSAGES
        ):
            self.close()
        if self.connection is None and now - self.failed_at > self.IDLE_SECONDS:
            connection = outbox.open_smtp_connection()
            try:
                connection.open()
            except Exception:  # noqa: BLE001 - the send itself reports it, on the row
                self.failed_at = now
                return None
            self.connection, self.messages = connection, 0
        return self.connection

    def used(self, *, sent):
        self.messages += 1
        self.last_used = time.monotonic()
        if not sent:
            self.close()

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


_smtp = KeptSMTPConnection()


@shared_task(name="registrations.send_delivery", bind=True, max_retries=outbox.MAX_ATTEMPTS, acks_late=True)
def send_delivery_task(self, delivery_id):
    # In a worker, one connection serves the e-mails that follow closely; run eagerly, each its own.
    connection = None if self.request.is_eager else _smtp.get()
    sent = False
    try:
        # A registrant's message is written here, after the request that queued it has answered.
        sent = outbox.send_delivery(delivery_id=delivery_id, render=notifications.render_delivery, backend=connection)
    except outbox.TransientSendError as exc:
        if self.request.is_eager:
            # In-process (no broker): leave the row queued for the sweeper instead of failing a request.
            logger.warning("Delivery %s not sent yet: %s", delivery_id, exc)
            return
        raise self.retry(exc=exc, countdown=outbox.retry_countdown(self.request.retries)) from exc
    finally:
        if connection is not None:
            _smtp.used(sent=sent)


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
