"""Sending a queued Delivery (alone or in a batch over one SMTP connection) and recording the outcome."""

import enum
import functools
import logging
import smtplib
import socket
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import SafeMIMEText, sanitize_address
from django.db import connection, transaction
from django.utils import timezone

from registrations.link_keys import LINK_PLACEHOLDER, fill_private_links
from registrations.models import Delivery, Suppression
from registrations.outbox import mime
from registrations.outbox.erasure import scrub_delivery_fields
from registrations.outbox.locks import hold_send_locks, release_send_locks, take_send_lock
from registrations.outbox.queueing import new_message_id, release_sender
from registrations.outbox.suppression import address_hash, suppress_address, suppressions_for

logger = logging.getLogger(__name__)


# Mailing deliveries travel in batches of this many, each batch over one SMTP connection.
BATCH_SIZE = settings.OUTBOX_BATCH_SIZE


MAX_ATTEMPTS = settings.OUTBOX_MAX_ATTEMPTS


class TransientSendError(Exception):
    """The SMTP server or the network failed in a way that a later retry may fix."""


def retry_countdown(retries):
    """Seconds before retry number ``retries + 1``: doubles from OUTBOX_RETRY_BASE_SECONDS, capped at 10 min."""
    return min(600, settings.OUTBOX_RETRY_BASE_SECONDS * 2**retries)


def send_queued(*, render):
    """The sender: send every queued transactional delivery (no mailing), oldest first, in batches of
    BATCH_SIZE over one SMTP connection each (``send_delivery_batch``), until none is left.

    Returns the ids of a batch that met a transient failure from that message on (they stay queued);
    an empty list when everything found was settled. Rows that another process is sending are left
    to it. ``render``: as for ``send_delivery`` (``notifications.render_delivery``, which this module
    cannot import: notifications queues through it).
    """
    # From here on a new row wakes another sender: this one may have read past it already.
    release_sender()
    after = 0
    while True:
        # Keyset order, so rows left to another sender are not read again (the partial index
        # delivery_to_send serves it however many sent rows the table holds).
        delivery_ids = list(
            Delivery.objects.filter(status=Delivery.Status.QUEUED, mailing__isnull=True, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not delivery_ids:
            return []
        remaining = send_delivery_batch(delivery_ids=delivery_ids, render=render)
        if remaining:
            return remaining
        after = delivery_ids[-1]


def sent_bodies(delivery):
    """(plain text, HTML) of ``delivery`` as they go out: a stored body holds a placeholder where the
    recipient's private-link key goes (registrations.tokens), and only the bytes sent get the key."""
    text, html = delivery.body_text, delivery.body_html
    if delivery.registration_id and (LINK_PLACEHOLDER in text or LINK_PLACEHOLDER in html):
        nonce = delivery.registration.link_nonce
        text, html = fill_private_links(text, nonce), fill_private_links(html, nonce)
    return text, html


def build_message(delivery, connection=None):
    """Django's EmailMessage of ``delivery``: what a backend other than SMTP is given."""
    body_text, body_html = sent_bodies(delivery)
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        headers={**(delivery.headers or {}), "Message-ID": delivery.message_id or new_message_id()},
        connection=connection,
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    if delivery.ics:
        # Built by hand: Django's attach() would add a second charset to a type that names one.
        part = SafeMIMEText(delivery.ics, "calendar", "utf-8")
        part.set_param("method", _ics_method(delivery.ics))
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(part)
    return message


def message_bytes(delivery):
    """The bytes ``build_message`` would give an SMTP server, written directly (see ``mime``)."""
    body_text, body_html = sent_bodies(delivery)
    return mime.message_bytes(
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=delivery.to_email,
        subject=delivery.subject,
        body_text=body_text,
        body_html=body_html,
        ics=delivery.ics,
        ics_method=_ics_method(delivery.ics),
        headers={
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            **(delivery.headers or {}),
            "Message-ID": delivery.message_id or new_message_id(),
        },
    )


def _ics_method(ics):
    """The file's own METHOD (PUBLISH, REQUEST or CANCEL): the MIME part must name the same one."""
    for method in ("CANCEL", "REQUEST", "PUBLISH"):
        if f"\nMETHOD:{method}" in ics:
            return method
    return "PUBLISH"


def _transmit(delivery, backend):
    """Hand ``delivery`` to the mail server: as bytes over the SMTP connection of ``backend``
    (opened now if it is not yet: a batch's), the way a batch sends; any other backend (or none:
    Django opens one) gets Django's message."""
    if isinstance(backend, SMTPBackend):
        if backend.connection is None:
            backend.open()
        # What the backend's send_messages does, minus the email.generator pass (bench/README.md says its cost).
        sender, recipient = _envelope_address(settings.DEFAULT_FROM_EMAIL), _envelope_address(delivery.to_email)
        backend.connection.sendmail(sender, [recipient], message_bytes(delivery))
    else:
        build_message(delivery, connection=backend).send()


@functools.lru_cache(maxsize=64)
def _envelope_address(address):
    # sanitize_address parses the address every time; a plain ASCII one comes back as it is.
    if address.isascii() and "<" not in address and not any(char in address for char in "\r\n"):
        return address
    return sanitize_address(address, "utf-8")


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


class Outcome(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # settled already, suppressed, failed for good, or another worker's
    RETRY = "retry"  # a transient failure, recorded on the row, which stays queued


def send_delivery(*, delivery_id, render=None):
    """Send one delivery unless it was sent already, over a connection of its own. Returns True
    when this call sent it.

    Raises TransientSendError when a retry may succeed; records permanent failures on the row
    (and a hard bounce in the suppression list). A mailing's message to an address suppressed
    since it was queued is marked suppressed and not sent.

    ``render`` (the transactional task's, ``notifications.render_delivery``) writes a message
    queued with ``render_params`` on the locked row, stored with the outcome of its send: a retry
    sends what was stored. (Should the process die between the SMTP server's acceptance and the
    commit, the copy sent again is written again: same Message-ID, as the module says.)
    """
    # The row stays locked, and its send lock held, while the SMTP server answers, so a second
    # worker skips it (PostgreSQL) or waits and then finds it sent. The transient error is raised
    # after the commit below.
    with transaction.atomic():
        if not take_send_lock(delivery_id):
            return False
        # The registration gives the private-link key (sent_bodies); only the delivery row is locked.
        rows = Delivery.objects.select_for_update(
            skip_locked=connection_supports_skip_locked(), of=("self",)
        ).select_related("registration")
        if render is not None:
            # What the renderer reads, in the same query; only the delivery row is locked.
            rows = rows.select_related("registration__session__group")
        delivery = rows.filter(pk=delivery_id).first()
        if delivery is None:
            return False
        outcome = _send_one(delivery, render=render)
    if outcome is Outcome.RETRY:
        raise TransientSendError(delivery.last_error)
    return outcome is Outcome.SENT


def send_delivery_batch(*, delivery_ids, render=None):
    """Send several deliveries over one SMTP connection. Returns the ids still to try.

    On a transient error the connection is dropped and the failed id and every id after it are
    returned, so the caller retries them later with backoff; an empty list means all are settled.
    Ids that another worker is sending right now are skipped: that worker settles them.
    ``render``: as for ``send_delivery`` (the registration and session are read with the rows).
    """
    delivery_ids = list(dict.fromkeys(delivery_ids))
    # Opened by the first message that goes out (``_transmit``: a server that is down is that
    # message's failure, on its row) and kept for the rest: send_messages only closes one it opened.
    smtp = open_smtp_connection()
    held = hold_send_locks(delivery_ids)
    try:
        # Read once the locks are held, so a row that the previous holder sent shows as sent. One
        # read of the rows and one of the suppression list (through the unique hash index) per batch.
        # The registration gives the private-link key (sent_bodies); the renderer reads its session too.
        rows = Delivery.objects.select_related("registration__session__group" if render else "registration")
        rows = rows.in_bulk(held)
        # Only a mailing's message is checked against the list (none: no query).
        suppressed = suppressions_for(row.to_email for row in rows.values() if row.mailing_id)
        for index, delivery_id in enumerate(delivery_ids):
            delivery = rows.get(delivery_id)
            if delivery is None:
                continue
            # Each outcome is committed on its own, before the next message goes out.
            if _send_one(delivery, backend=smtp, suppressed=suppressed, render=render) is Outcome.RETRY:
                return delivery_ids[index:]
    finally:
        release_send_locks(held)
        try:
            smtp.close()
        except Exception:
            logger.debug("SMTP connection did not close cleanly", exc_info=True)
    return []


def _send_one(delivery, *, backend=None, suppressed=None, render=None):
    """Send ``delivery`` (read under its send lock) unless it is settled or suppressed, and write
    the outcome on the row. ``suppressed``: what a batch read once at its start
    (``suppressions_for``); without it the list is asked for this address. ``backend``: the batch's
    open SMTP connection; without one Django opens its own. ``render``: see ``send_delivery``."""
    rendered = _render_on_row(delivery, render)
    if not _still_to_send(delivery, suppressed):
        return Outcome.SKIPPED
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    delivery.message_id = delivery.message_id or new_message_id()
    try:
        _transmit(delivery, backend)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row; its type decides retry or not
        return _record_failure(delivery, exc, rendered=rendered)
    delivery.status = Delivery.Status.SENT
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    fields = ("attempts", "last_attempt_at", "status", "sent_at", "message_id", "last_error", *rendered)
    if delivery.kind in KEY_BEARING_KINDS:
        # A password-reset link opens the account until it is used: once sent, no copy is kept.
        delivery.body_text = delivery.body_html = ""
        fields = (*dict.fromkeys((*fields, "body_text", "body_html")),)
    _save_fields(delivery, fields)
    return Outcome.SENT


# A row in one of these states is never sent (again).
# Messages whose body is a key to an account (allauth's password-reset link, a focal point's
# invitation to choose a password): their bodies are blanked once sent. A registrant's private link
# is never stored at all (registrations.tokens).
KEY_BEARING_KINDS = frozenset({"account", "focal_point_invitation"})

SETTLED = (Delivery.Status.SENT, Delivery.Status.SUPPRESSED, Delivery.Status.FAILED)


RENDERED_FIELDS = ("subject", "body_text", "body_html", "ics", "render_params")


def _render_on_row(delivery, render):
    """Write a registrant's message queued with ``render_params`` onto ``delivery`` (not saved: it
    is stored with the outcome of its send). Returns the fields it wrote."""
    waiting = delivery.render_params is not None and delivery.status not in SETTLED
    if render is None or not waiting or not delivery.to_email or delivery.registration_id is None:
        return ()
    for name, value in render(delivery).items():
        setattr(delivery, name, value)
    delivery.render_params = None
    return RENDERED_FIELDS


def _save_fields(delivery, fields):
    """What ``delivery.save(update_fields=fields)`` writes, as one UPDATE that skips the ORM's query
    compiler, which costs more than the statement itself (measured in bench/README.md).
    (Only a new row's pre_save has a listener: copolad_wg.observability stamps its request id.)"""
    values = [Delivery._meta.get_field(name).get_db_prep_save(getattr(delivery, name), connection) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(fields), [*values, delivery.pk])


@functools.lru_cache(maxsize=8)
def _update_sql(fields):
    quote, meta = connection.ops.quote_name, Delivery._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in fields)
    # Names from the model, quoted by the backend; every value is a parameter.
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608


def _record_failure(delivery, exc, *, rendered=()):
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
            extra={"delivery": delivery.pk, "attempt": delivery.attempts, **_traced(delivery)},
        )
        return Outcome.RETRY
    logger.warning("Delivery %s failed permanently: %s", delivery.pk, delivery.last_error, extra=_traced(delivery))
    if _is_hard_bounce(exc):
        suppress_address(email=delivery.to_email, reason=Suppression.Reason.HARD_BOUNCE)
    return Outcome.SKIPPED


def _traced(delivery):
    """The ``extra`` that gives a log line about ``delivery`` the id of the request that queued it
    (a sender task sends the rows of many requests)."""
    return {"request_id": delivery.request_id} if delivery.request_id else {}


def _still_to_send(delivery, suppressed):
    """False for a row that is settled or must not go out (and marks that on the row)."""
    if delivery.status in SETTLED:
        return False
    if not delivery.to_email:
        # Its recipient's data were erased after it was queued: nothing to send, nobody to send to.
        delivery.status = Delivery.Status.SUPPRESSED
        delivery.save(update_fields=["status"])
        return False
    if delivery.render_params is not None:
        # Only the transactional task renders (registrations.notifications); leave it to that.
        logger.warning("Delivery %s is not rendered yet; it stays queued", delivery.pk)
        return False
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
    return True


def connection_supports_skip_locked():
    return connection.features.has_select_for_update_skip_locked


def open_smtp_connection():
    return get_connection(fail_silently=False)
