"""The e-mail outbox: every message is a Delivery row first, then sent by a Celery task.

``queue_email`` stores a message in the recipient's language, rendered at once or (a registrant's
message) left for the worker to render just before sending; the send task is enqueued only after
the surrounding transaction commits. ``send_delivery`` locks the row, skips it
if it was already sent, sends it and records the outcome, so running it twice sends once.

The one window in which a message can go out twice: the SMTP server accepted it and the process
died before the row was marked sent (the commit right after ``send``). The row is then still
queued and is sent again; at most the messages in flight at the crash, one per worker process
(a batch sends one message at a time and commits each, so a batch adds nothing to that bound).
The resent copy carries the same Message-ID, stored on the row when it was queued, so mail
clients that de-duplicate show it once.
"""

import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from celery import current_app
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..models import Delivery, Suppression

# The tasks that send, named rather than imported: tasks.py imports this module.
SEND_DELIVERY_TASK = "registrations.send_delivery"
SEND_DELIVERY_BATCH_TASK = "registrations.send_delivery_batch"

logger = logging.getLogger(__name__)

# Mailing deliveries travel in batches of this many, each batch over one SMTP connection.
BATCH_SIZE = getattr(settings, "OUTBOX_BATCH_SIZE", 50)

MAX_ATTEMPTS = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8)


class TransientSendError(Exception):
    """The SMTP server or the network failed in a way that a later retry may fix."""


def render_email(*, template, context, language, parts=("subject", "body_text", "body_html")):
    """Render ``templates/emails/<template>/{subject.txt,body.txt,body.html}`` in ``language``.

    ``parts`` may leave some out (they come back blank) when the caller writes them another way.
    """
    body_html = ""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        body_text = render_to_string(f"emails/{template}/body.txt", context)
        try:
            if "body_html" in parts:
                body_html = render_to_string(f"emails/{template}/body.html", context)
        except Exception:  # noqa: BLE001 - the HTML part is optional; a missing template is fine
            body_html = ""
    # A subject is one line: a name typed with CR/LF must not start a new header.
    subject = " ".join(subject.split())
    return subject, body_text, body_html


def queue_email(
    *,
    key,
    kind,
    to_email,
    language,
    template=None,
    context=None,
    render_params=None,
    registration=None,
    ics="",
    headers=None,
    extra=None,
):
    """Store one message under ``key`` and send it after commit. Returns the Delivery.

    With ``template`` and ``context`` the message is rendered now. With ``render_params`` (a dict
    that JSON can hold) it is stored blank and rendered by the worker just before it is sent
    (``render_params`` is what the renderer needs besides the row, see
    ``registrations.notifications``), which keeps template rendering out of the request.
    Queueing a key that already exists returns the existing row and sends nothing new.
    ``extra`` holds further model fields (for instance ``mailing``) for callers that have them.
    """
    existing = Delivery.objects.filter(key=key).first()
    if existing:
        return existing
    if render_params is None:
        subject, body_text, body_html = render_email(template=template, context=context, language=language)
    else:
        subject = body_text = body_html = ""
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
                render_params=render_params,
                message_id=new_message_id(),
                **(extra or {}),
            )
    except IntegrityError:
        # Another request queued the same key between our read and our insert.
        return Delivery.objects.get(key=key)
    transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return delivery


def enqueue_delivery(delivery_id, queue=None):
    """Hand the delivery to Celery; a broker that is down leaves it queued for the sweeper."""
    try:
        options = {"queue": queue} if queue else {}
        current_app.signature(SEND_DELIVERY_TASK, args=(delivery_id,)).apply_async(**options)
    except Exception:  # noqa: BLE001 - any broker failure: the row stays queued and is retried later
        logger.exception("Could not enqueue delivery %s; it stays queued", delivery_id)


def new_message_id():
    return make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)


def build_message(delivery, connection=None):
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        headers={**(delivery.headers or {}), "Message-ID": delivery.message_id or new_message_id()},
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    if delivery.ics:
        # The MIME method must match the file's METHOD (a cancellation is METHOD:CANCEL).
        method = "CANCEL" if "\nMETHOD:CANCEL" in delivery.ics else "REQUEST"
        message.attach("invite.ics", delivery.ics, f"text/calendar; charset=utf-8; method={method}")
    return message


def _is_transient(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | socket.timeout | OSError)


def _is_hard_bounce(exc):
    """The server refused the address itself (5xx on RCPT): later mailings should skip it."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _msg in exc.recipients.values()
    )


def send_delivery(*, delivery_id, connection=None, suppressed=None):
    """Send one delivery unless it was sent already. Returns True when this call sent it.

    Raises TransientSendError when a retry may succeed; records permanent failures on the row
    (and a hard bounce in the suppression list). A mailing's message to an address suppressed
    since it was queued is marked suppressed and not sent: ``suppressed`` is the set of lower-cased
    addresses a batch read once at its start, otherwise the list is asked for this address.
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
        if delivery.status == Delivery.Status.FAILED:
            return False
        if delivery.render_params is not None:
            # Only the transactional task renders (registrations.notifications); leave it to that.
            logger.warning("Delivery %s is not rendered yet; it stays queued", delivery.pk)
            return False
        if delivery.mailing_id and (
            delivery.to_email.lower() in suppressed if suppressed is not None else is_suppressed(delivery.to_email)
        ):
            delivery.status = Delivery.Status.SUPPRESSED
            delivery.save(update_fields=["status"])
            return False
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        message = build_message(delivery, connection=connection)
        try:
            message.send()
        except Exception as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            transient = _is_transient(exc) and delivery.attempts < MAX_ATTEMPTS
            delivery.status = Delivery.Status.QUEUED if transient else Delivery.Status.FAILED
            delivery.save(update_fields=["attempts", "last_attempt_at", "last_error", "status"])
            if not transient:
                logger.warning("Delivery %s failed permanently: %s", delivery.pk, delivery.last_error)
                if _is_hard_bounce(exc):
                    suppress_address(email=delivery.to_email, reason=Suppression.Reason.HARD_BOUNCE)
                return False
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.message_id = message.extra_headers["Message-ID"]
            delivery.last_error = ""
            delivery.save(
                update_fields=["attempts", "last_attempt_at", "status", "sent_at", "message_id", "last_error"]
            )
            return True
    raise TransientSendError(delivery.last_error)


def send_delivery_batch(*, delivery_ids):
    """Send several deliveries over one SMTP connection. Returns the ids still to try.

    On a transient error the connection is dropped and the failed id and every id after it are
    returned, so the caller retries them later with backoff; an empty list means all are settled.
    """
    delivery_ids = list(delivery_ids)
    connection = open_smtp_connection()
    try:
        # Opened here, the connection stays open across messages (send_messages only closes one it opened).
        connection.open()
    except Exception:  # noqa: BLE001 - refused, timed out, DNS: all worth a later retry
        logger.warning("SMTP connection failed; %s deliveries wait for a retry", len(delivery_ids), exc_info=True)
        return delivery_ids
    # One read of the suppression list per batch (through the Lower() index), not one per message.
    addresses = Delivery.objects.filter(pk__in=delivery_ids).values_list("to_email", flat=True)
    suppressed = set(
        Suppression.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in={address.lower() for address in addresses})
        .values_list("email_lower", flat=True)
    )
    try:
        for index, delivery_id in enumerate(delivery_ids):
            try:
                send_delivery(delivery_id=delivery_id, connection=connection, suppressed=suppressed)
            except TransientSendError:
                return delivery_ids[index:]
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to say goodbye; nothing to do
            logger.debug("SMTP connection did not close cleanly", exc_info=True)
    return []


def _suppression(email):
    # Lower(email) = lower(address) is what the unique index on Lower("email") answers; email__iexact
    # compiles to UPPER(...) = UPPER(...) on PostgreSQL and would scan the table for every message.
    return Suppression.objects.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())


def is_suppressed(email):
    """True when bulk mail must skip ``email`` (any case)."""
    return _suppression(email).exists()


def suppress_address(*, email, reason, detail=""):
    """Add ``email`` to the suppression list (once, whatever its case). Returns the Suppression."""

    existing = _suppression(email).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(email=email, reason=reason, detail=detail[:300])
    except IntegrityError:
        return _suppression(email).get()


def requeue_stuck_deliveries(*, older_than, now=None):
    """Hand again to Celery every delivery queued for longer than ``older_than`` (a timedelta).

    A row whose task was lost (broker down when it was queued, worker killed mid-send) stays
    queued; this finds it. Rows a worker holds locked right now are skipped. Returns the count.
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
    transactional = [pk for pk, mailing_id in rows if mailing_id is None]
    bulk = [pk for pk, mailing_id in rows if mailing_id is not None]
    for delivery_id in transactional:
        enqueue_delivery(delivery_id)
    for start in range(0, len(bulk), BATCH_SIZE):
        enqueue_delivery_batch(bulk[start : start + BATCH_SIZE])
    if rows:
        logger.info("Re-queued %s stuck deliveries", len(rows))
    return len(rows)


def enqueue_delivery_batch(delivery_ids, countdown=None):
    """Hand a batch of mailing deliveries to the bulk queue; a broker that is down leaves them queued."""
    try:
        current_app.signature(SEND_DELIVERY_BATCH_TASK, args=(list(delivery_ids),)).apply_async(countdown=countdown)
    except Exception:  # noqa: BLE001 - any broker failure: the rows stay queued for the sweeper
        logger.exception("Could not enqueue %s deliveries; they stay queued", len(delivery_ids))


def connection_supports_skip_locked():
    return connection.features.has_select_for_update_skip_locked


def open_smtp_connection():
    return get_connection(fail_silently=False)
