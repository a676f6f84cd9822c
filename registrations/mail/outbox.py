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
import threading
import time

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText, make_msgid
from django.db import IntegrityError, connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

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
    if render_params is None:
        # Rendering costs more than a look-up: only for a key that is not queued yet.
        existing = Delivery.objects.filter(key=key).first()
        if existing:
            return existing
        subject, body_text, body_html = render_email(template=template, context=context, language=language)
    else:
        # Nothing to render: the insert finds a key queued already (queue_message's IntegrityError).
        subject = body_text = body_html = ""
    return queue_message(
        render_params=render_params,
        key=key,
        kind=kind,
        to_email=to_email,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        registration=registration,
        ics=ics,
        headers=headers,
        extra=extra,
    )


def queue_message(
    *,
    key,
    kind,
    to_email,
    language,
    subject,
    body_text,
    body_html="",
    registration=None,
    ics="",
    headers=None,
    extra=None,
    render_params=None,
):
    """Store one message already rendered (allauth's account e-mails, say) and send it after commit.

    Same guarantees as ``queue_email``: one row per key, sent at most once, retried while SMTP fails.
    """
    subject = " ".join(subject.split())[:300]
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


class _BrokerBreaker:
    """After a failed hand-over, this process leaves new rows to the sweeper for a few seconds.

    A broker that accepts connections and never answers costs each publish its socket timeout
    (seconds); without this every registration during the outage would pay it.
    """

    _lock = threading.Lock()
    open_until = 0.0

    @classmethod
    def is_open(cls):
        return time.monotonic() < cls.open_until

    @classmethod
    def trip(cls):
        with cls._lock:
            cls.open_until = time.monotonic() + getattr(settings, "OUTBOX_BROKER_RETRY_AFTER", 15)

    @classmethod
    def reset(cls):
        with cls._lock:
            cls.open_until = 0.0


def retry_countdown(retries):
    """Seconds before retry number ``retries + 1``: doubles from OUTBOX_RETRY_BASE_SECONDS, capped at 10 min."""
    return min(600, settings.OUTBOX_RETRY_BASE_SECONDS * 2**retries)


def enqueue_delivery(delivery_id, queue=None):
    """Hand the delivery to Celery; a broker that is down leaves it queued for the sweeper."""
    if _BrokerBreaker.is_open() and not current_app.conf.task_always_eager:
        logger.warning("Broker unavailable a moment ago; delivery %s stays queued for the sweeper", delivery_id)
        return
    try:
        options = {"queue": queue} if queue else {}
        current_app.signature(SEND_DELIVERY_TASK, args=(delivery_id,)).apply_async(**options)
    except Exception:
        _BrokerBreaker.trip()
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
        # Built by hand: Django's attach() would add a second charset to a type that names one.
        part = SafeMIMEText(delivery.ics, "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(part)
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


def send_delivery(*, delivery_id, connection=None, suppressed=None, render=None):
    """Send one delivery unless it was sent already. Returns True when this call sent it.

    Raises TransientSendError when a retry may succeed; records permanent failures on the row
    (and a hard bounce in the suppression list). A mailing's message to an address suppressed
    since it was queued is marked suppressed and not sent: ``suppressed`` is what a batch read once
    at its start (``suppressions_for``), otherwise the list is asked for this address.

    ``render`` (the transactional task's, ``notifications.render_delivery``) writes a message
    queued with ``render_params`` on the locked row, stored with the outcome of its send: a retry
    sends what was stored. (Should the process die between the SMTP server's acceptance and the
    commit, the copy sent again is written again: same Message-ID, as the module says.)
    """

    # The row stays locked while the SMTP server answers, so a second worker skips it (PostgreSQL)
    # or waits and then finds it sent. The transient error is raised after the commit below.
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(
            skip_locked=connection_supports_skip_locked(), of=("self",) if render else ()
        )
        if render is not None:
            # What the renderer reads, in the same query; only the delivery row is locked.
            rows = rows.select_related("registration__session__group")
        delivery = rows.filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (Delivery.Status.SENT, Delivery.Status.SUPPRESSED):
            return False
        if delivery.status == Delivery.Status.FAILED:
            return False
        if not delivery.to_email:
            # Its recipient's data were erased after it was queued: nothing to send, nobody to send to.
            delivery.status = Delivery.Status.SUPPRESSED
            delivery.save(update_fields=["status"])
            return False
        rendered = []
        if delivery.render_params is not None:
            if render is None or delivery.registration is None:
                # Only the transactional task renders (registrations.notifications); leave it to that.
                logger.warning("Delivery %s is not rendered yet; it stays queued", delivery.pk)
                return False
            for name, value in render(delivery).items():
                setattr(delivery, name, value)
            delivery.render_params = None
            rendered = ["subject", "body_text", "body_html", "ics", "render_params"]
        if delivery.mailing_id:
            digest = address_hash(delivery.to_email)
            if suppressed is not None:
                reason = suppressed.get(digest)
            else:
                reason = Suppression.objects.filter(email_hash=digest).values_list("reason", flat=True).first()
            if reason is not None:
                delivery.status = Delivery.Status.SUPPRESSED
                if reason == Suppression.Reason.ERASED:
                    # Built while the erasure ran: keep no trace of the address or the message.
                    scrub_delivery_fields(delivery)
                delivery.save()
                return False
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        message = build_message(delivery, connection=connection)
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row; its type decides retry or not
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            transient = _is_transient(exc) and delivery.attempts < MAX_ATTEMPTS
            delivery.status = Delivery.Status.QUEUED if transient else Delivery.Status.FAILED
            delivery.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", *rendered])
            if transient:
                logger.warning(
                    "Delivery %s not sent (attempt %s), will retry: %s",
                    delivery.pk,
                    delivery.attempts,
                    delivery.last_error,
                    extra={"delivery": delivery.pk, "attempt": delivery.attempts},
                )
            else:
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
                update_fields=[
                    "attempts",
                    "last_attempt_at",
                    "status",
                    "sent_at",
                    "message_id",
                    "last_error",
                    *rendered,
                ]
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
    except Exception:
        logger.warning("SMTP connection failed; %s deliveries wait for a retry", len(delivery_ids), exc_info=True)
        return delivery_ids
    # One read of the suppression list per batch (through the unique index on the hash), not one per message.
    suppressed = suppressions_for(Delivery.objects.filter(pk__in=delivery_ids).values_list("to_email", flat=True))
    try:
        for index, delivery_id in enumerate(delivery_ids):
            try:
                send_delivery(delivery_id=delivery_id, connection=connection, suppressed=suppressed)
            except TransientSendError:
                return delivery_ids[index:]
    finally:
        try:
            connection.close()
        except Exception:
            logger.debug("SMTP connection did not close cleanly", exc_info=True)
    return []


def address_hash(email):
    """A keyed hash of the lower-cased address: the suppression list matches on it.

    Keyed (HMAC with SUPPRESSION_HASH_KEY, else SECRET_KEY) so that the list of an erased person's
    hash cannot be reversed by hashing guessed addresses without the key.
    """
    key = getattr(settings, "SUPPRESSION_HASH_KEY", "") or settings.SECRET_KEY
    normalised = (email or "").strip().lower()
    return salted_hmac("registrations.suppression", normalised, secret=key, algorithm="sha256").hexdigest()


def is_suppressed(email):
    return Suppression.objects.filter(email_hash=address_hash(email)).exists()


def suppressions_for(addresses):
    """{address hash: reason} for the suppressed ones among ``addresses``: one query, on the unique hash index."""
    hashes = {address_hash(address) for address in addresses if address}
    return dict(Suppression.objects.filter(email_hash__in=hashes).values_list("email_hash", "reason"))


def suppress_address(*, email, reason, detail=""):
    """Add ``email`` to the suppression list (once, whatever its case). Returns the Suppression.

    With reason ERASED only the hash is kept, and an existing row for the address loses its
    address too.
    """
    digest = address_hash(email)
    stored_email = "" if reason == Suppression.Reason.ERASED else email
    existing = Suppression.objects.filter(email_hash=digest).first()
    if existing:
        if reason == Suppression.Reason.ERASED and existing.email:
            existing.email, existing.reason, existing.detail = "", reason, ""
            existing.save(update_fields=["email", "reason", "detail"])
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(email=stored_email, email_hash=digest, reason=reason, detail=detail[:300])
    except IntegrityError:
        return Suppression.objects.get(email_hash=digest)


# What a delivery keeps once its content is dropped: kind, language, status, dates, attempts.
BODY_FIELDS = {"subject": "", "body_text": "", "body_html": "", "ics": "", "headers": dict, "render_params": None}
ADDRESS_FIELDS = {"to_email": "", "last_error": ""}


def scrub_delivery_fields(delivery, *, address=True):
    """Blank the message (and, with ``address``, the recipient) on ``delivery``; not saved."""
    for name, value in {**BODY_FIELDS, **(ADDRESS_FIELDS if address else {})}.items():
        setattr(delivery, name, value() if callable(value) else value)
    if address:
        # The key may hold the address ("mailing:<id>:<address>"): keep it unique but anonymous.
        delivery.key = f"erased:{delivery.pk}"


def drop_delivery_bodies(queryset):
    """Blank subject, bodies, calendar file and headers of the deliveries in ``queryset`` that are
    no longer waiting to be sent. Returns how many rows changed."""
    settled = queryset.exclude(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])
    with_content = settled.exclude(subject="", body_text="", body_html="", ics="")
    return with_content.update(subject="", body_text="", body_html="", ics="", headers={})


def erase_deliveries(queryset):
    """Drop body and address of every delivery in ``queryset``; any not yet sent is never sent.

    The rows stay as anonymous counts of what a mailing sent. Returns how many rows changed.
    """
    count = 0
    for delivery in queryset.select_for_update().exclude(key__startswith="erased:"):
        scrub_delivery_fields(delivery)
        if delivery.status in (Delivery.Status.QUEUED, Delivery.Status.SENDING):
            delivery.status = Delivery.Status.SUPPRESSED
        delivery.save()
        count += 1
    return count


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
    except Exception:
        logger.exception("Could not enqueue %s deliveries; they stay queued", len(delivery_ids))


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


def connection_supports_skip_locked():
    return connection.features.has_select_for_update_skip_locked


def open_smtp_connection():
    return get_connection(fail_silently=False)
