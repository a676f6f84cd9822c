"""The e-mail outbox: every message is a Delivery row first, then sent by a Celery task.

``queue_email`` renders a message in the recipient's language and stores it; the send task is
enqueued only after the surrounding transaction commits. ``send_delivery`` locks the row, skips it
if it was already sent, sends it and records the outcome, so running it twice sends once.

The one window in which a message can go out twice: the SMTP server accepted it and the process
died before the row was marked sent (the commit right after ``send``). The row is then still
queued and is sent again; at most the messages in flight at the crash, one per worker process.
"""

import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class TransientSendError(Exception):
    """The SMTP server or the network failed in a way that a later retry may fix."""


def render_email(*, template, context, language):
    """Render ``templates/emails/<template>/{subject.txt,body.txt,body.html}`` in ``language``."""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        body_text = render_to_string(f"emails/{template}/body.txt", context)
        try:
            body_html = render_to_string(f"emails/{template}/body.html", context)
        except Exception:  # noqa: BLE001 - the HTML part is optional; a missing template is fine
            body_html = ""
    # A subject is one line: a name typed with CR/LF must not start a new header.
    subject = " ".join(subject.split())
    return subject, body_text, body_html


def queue_email(
    *, key, kind, to_email, language, template, context, registration=None, ics="", headers=None, extra=None
):
    """Store one message under ``key`` and send it after commit. Returns the Delivery.

    Queueing a key that already exists returns the existing row and sends nothing new.
    ``extra`` holds further model fields (for instance ``mailing``) for callers that have them.
    """
    existing = Delivery.objects.filter(key=key).first()
    if existing:
        return existing
    subject, body_text, body_html = render_email(template=template, context=context, language=language)
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                key=key,
                kind=kind,
                to_email=to_email,
                language=language,
                registration=registration,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                ics=ics,
                headers=headers or {},
                **(extra or {}),
            )
    except IntegrityError:
        # Another request queued the same key between our read and our insert.
        return Delivery.objects.get(key=key)
    transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return delivery


def enqueue_delivery(delivery_id, queue=None):
    """Hand the delivery to Celery; a broker that is down leaves it queued for the sweeper."""
    from .tasks import send_delivery_task

    try:
        options = {"queue": queue} if queue else {}
        send_delivery_task.apply_async((delivery_id,), **options)
    except Exception:  # noqa: BLE001 - any broker failure: the row stays queued and is retried later
        logger.exception("Could not enqueue delivery %s; it stays queued", delivery_id)


def build_message(delivery, connection=None):
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        headers={**(delivery.headers or {}), "Message-ID": make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)},
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    if delivery.ics:
        message.attach("invite.ics", delivery.ics, "text/calendar; charset=utf-8; method=REQUEST")
    return message


def _is_transient(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | socket.timeout | OSError)


def send_delivery(*, delivery_id, connection=None):
    """Send one delivery unless it was sent already. Returns True when this call sent it.

    Raises TransientSendError when a retry may succeed; records permanent failures on the row.
    """
    # The row stays locked while the SMTP server answers, so a second worker skips it (PostgreSQL)
    # or waits and then finds it sent. The transient error is raised after the commit below.
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=connection_supports_skip_locked())
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Delivery.Status.SENT, Delivery.Status.SUPPRESSED):
            return False
        if delivery.status == Delivery.Status.FAILED and delivery.attempts >= MAX_ATTEMPTS:
            return False
        delivery.attempts += 1
        message = build_message(delivery, connection=connection)
        try:
            message.send()
        except Exception as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            transient = _is_transient(exc) and delivery.attempts < MAX_ATTEMPTS
            delivery.status = Delivery.Status.QUEUED if transient else Delivery.Status.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
            if not transient:
                logger.warning("Delivery %s failed permanently: %s", delivery.pk, delivery.last_error)
                return False
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.message_id = message.extra_headers["Message-ID"]
            delivery.last_error = ""
            delivery.save(update_fields=["attempts", "status", "sent_at", "message_id", "last_error"])
            return True
    raise TransientSendError(delivery.last_error)


def connection_supports_skip_locked():
    from django.db import connection

    return connection.features.has_select_for_update_skip_locked


def open_smtp_connection():
    return get_connection(fail_silently=False)
