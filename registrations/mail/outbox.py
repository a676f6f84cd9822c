"""The e-mail outbox: every message is a Delivery row first, then sent by a Celery task.

``queue_email`` stores a message in the recipient's language, rendered at once or (a registrant's
message) left for the worker to render just before sending; the worker is told only after the
surrounding transaction commits (``enqueue_delivery``). ``send_delivery`` takes the row's send
lock, skips the row if it was already sent, sends it and records the outcome, so running it twice
sends once. ``send_delivery_batch`` does the same for several rows over one SMTP connection: it
takes the send locks of its rows (leaving any that another worker holds to that worker), reads them
once, then sends one message at a time and commits each outcome before the next message goes out.

Transactional messages (a registrant's, a password reset) are not a task each: a request that
queues one wakes the sender (``wake_sender``: one cache ``add``), and the sender task
(``send_queued``) sends whatever is queued, in batches, until nothing is. A registration rush thus
costs the worker a few tasks and connections instead of one per message: Celery's own work on a
task (about 5 ms here) costs more than writing and sending the message (about 2.5 ms).

The one window in which a message can go out twice: the SMTP server accepted it and the process
died before the row was marked sent (the commit right after ``send``). The row is then still
queued and is sent again; at most the messages in flight at the crash, one per worker process
(a batch sends one message at a time and commits each, so a batch adds nothing to that bound).
A dead worker's send locks end with its database connection: the rest of its batch stays queued,
and the sweeper (``requeue_stuck_deliveries``) hands it out again.
The resent copy carries the same Message-ID, stored on the row when it was queued, so mail
clients that de-duplicate show it once.
"""

import enum
import functools
import logging
import smtplib
import socket
import threading
import time
from email.utils import formatdate

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import SafeMIMEText, make_msgid, sanitize_address
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from ..link_keys import LINK_PLACEHOLDER, fill_private_links
from ..models import Delivery, Suppression
from . import mime

# The tasks that send, named rather than imported: tasks.py imports this module.
SEND_DELIVERY_TASK = "registrations.send_delivery"
SEND_DELIVERY_BATCH_TASK = "registrations.send_delivery_batch"
SEND_QUEUED_TASK = "registrations.send_queued_deliveries"

# Present in the cache while a sender task is on its way: a request that finds it adds no task,
# since that sender will find the new row. It expires by itself should the task be lost.
SENDER_WOKEN_KEY = "outbox:sender-woken"
SENDER_WOKEN_SECONDS = 30
SENDER_GATHER_SECONDS = getattr(settings, "OUTBOX_SENDER_GATHER_SECONDS", 0.2)

logger = logging.getLogger(__name__)

# Mailing deliveries travel in batches of this many, each batch over one SMTP connection.
BATCH_SIZE = getattr(settings, "OUTBOX_BATCH_SIZE", 50)

MAX_ATTEMPTS = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8)


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


def enqueue_delivery(delivery_id):
    """Tell the worker about a transactional delivery just committed: with a broker, wake the
    sender (``wake_sender``); run eagerly (no broker: development and tests), send it now, alone."""
    if not current_app.conf.task_always_eager:
        wake_sender()
        return
    try:
        current_app.signature(SEND_DELIVERY_TASK, args=(delivery_id,)).apply_async()
    except Exception:
        # The request has answered nothing yet: it must not fail for its e-mail, which stays queued.
        logger.exception("Could not send delivery %s; it stays queued", delivery_id)


def wake_sender():
    """Queue a sender task (``send_queued``) unless one is on its way already. The common case, a
    sender already woken, costs one cache round trip and no message to the broker. A cache that
    fails answers as if no sender were woken: a task, as if there were no cache."""
    if _BrokerBreaker.is_open():
        logger.warning("Broker unavailable a moment ago; the new delivery stays queued for the sweeper")
        return
    if not _cache_call(cache.add, SENDER_WOKEN_KEY, 1, timeout=SENDER_WOKEN_SECONDS, failed=True):
        return
    try:
        # After a short wait, so that the messages of the requests that follow go with this one.
        current_app.signature(SEND_QUEUED_TASK).apply_async(countdown=SENDER_GATHER_SECONDS or None)
    except Exception:
        # Nobody is on the way after all: the next request tries again, the sweeper covers the rest.
        release_sender()
        _BrokerBreaker.trip()
        logger.exception("Could not wake the sender; the new delivery stays queued")


def keep_sender_woken(*, seconds):
    """Let new rows wake no sender for ``seconds``: a sender retries then and will find them."""
    _cache_call(cache.set, SENDER_WOKEN_KEY, 1, timeout=seconds)


def release_sender():
    """No sender is on its way any more: the next row wakes one."""
    _cache_call(cache.delete, SENDER_WOKEN_KEY)


def _cache_call(method, *args, failed=None, **kwargs):
    # The wake-up key is an economy, never a condition for sending: a cache that raises (the
    # database cache during a database fault; Redis's is fail-safe already) is logged and ignored.
    try:
        return method(*args, **kwargs)
    except Exception:  # whatever the backend raises, the mail goes out without it
        logger.warning("The cache failed on the outbox's wake-up key", exc_info=True)
        return failed


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


def new_message_id():
    return make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)


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
    # The MIME method must match the file's METHOD (a cancellation is METHOD:CANCEL).
    return "CANCEL" if "\nMETHOD:CANCEL" in ics else "REQUEST"


def _transmit(delivery, backend):
    """Hand ``delivery`` to the mail server: as bytes over the SMTP connection of ``backend``
    (opened now if it is not yet: a batch's), the way a batch sends; any other backend (or none:
    Django opens one) gets Django's message."""
    if isinstance(backend, SMTPBackend):
        if backend.connection is None:
            backend.open()
        # What the backend's send_messages does, minus the email.generator pass (about 1 ms a message).
        sender, recipient = _envelope_address(settings.DEFAULT_FROM_EMAIL), _envelope_address(delivery.to_email)
        backend.connection.sendmail(sender, [recipient], message_bytes(delivery))
    else:
        build_message(delivery, connection=backend).send()


@functools.lru_cache(maxsize=64)
def _envelope_address(address):
    # sanitize_address parses the address (a tenth of a millisecond); a plain ASCII one comes back as it is.
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
        if not _take_send_lock(delivery_id):
            return False
        # The registration gives the private-link key (sent_bodies); only the delivery row is locked.
        rows = Delivery.objects.select_for_update(
            skip_locked=connection_supports_skip_locked(), of=("self",)
        ).select_related("registration")
        if render is not None:
            # What the renderer reads, in the same query.
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
    held = _hold_send_locks(delivery_ids)
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
        _release_send_locks(held)
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


# Messages whose body is a key to an account (allauth's: a password-reset link): their bodies are
# blanked once sent. A registrant's private link is never stored at all (registrations.tokens).
KEY_BEARING_KINDS = frozenset({"account"})

# A row in one of these states is never sent (again).
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
    compiler: compiling costs four times the statement itself, a fifth of sending a batch's message.
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


# The send lock: a row is sent only by the process that holds it, a PostgreSQL advisory lock on the
# row's id (in a class of its own). A batch holds the locks of its rows at session level from before
# it reads them until it has sent them, across the commit of each message, and loses them with its
# database connection if the worker dies: the rows, still queued, are then free for the sweeper. A
# single send holds its row's lock for its transaction; an erasure waits for it (``erase_deliveries``).
# SQLite runs one writer at a time and has no such locks: there they are not taken.
SEND_LOCK_CLASS = 7_302_001


def send_lock_key(delivery_id):
    """The second key of a row's send lock (``SEND_LOCK_CLASS`` is the first): the id, folded into an int4."""
    return delivery_id % 2**31


def _uses_send_locks():
    return connection.vendor == "postgresql"


def _hold_send_locks(delivery_ids):
    """Take the send lock of each id that no other process holds; returns those ids, in order."""
    if not _uses_send_locks() or not delivery_ids:
        return list(delivery_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM unnest(%s::int[]) AS keys(key) WHERE pg_try_advisory_lock(%s, key)",
            [[send_lock_key(pk) for pk in delivery_ids], SEND_LOCK_CLASS],
        )
        held = {key for (key,) in cursor.fetchall()}
    return [pk for pk in delivery_ids if send_lock_key(pk) in held]


def _release_send_locks(delivery_ids):
    if not _uses_send_locks() or not delivery_ids:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, key) FROM unnest(%s::int[]) AS keys(key)",
                [SEND_LOCK_CLASS, [send_lock_key(pk) for pk in delivery_ids]],
            )
    except DatabaseError:
        # The session cannot run the unlock; closing it releases every lock it holds.
        logger.warning("Could not release send locks; closing the database connection", exc_info=True)
        connection.close()


def _take_send_lock(delivery_id):
    """Take the send lock of one row until this transaction ends; False when another process holds it."""
    if not _uses_send_locks():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SEND_LOCK_CLASS, send_lock_key(delivery_id)])
        return cursor.fetchone()[0]


def _wait_for_send_locks(queryset):
    """Wait until no process is sending any row of ``queryset``, and keep any from starting until
    this transaction ends. In key order, so two erasures never wait for each other in a circle."""
    if not _uses_send_locks():
        return
    keys = sorted({send_lock_key(pk) for pk in queryset.values_list("pk", flat=True)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS keys(key)", [SEND_LOCK_CLASS, keys]
        )


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
    # A batch may hold some of these rows with their content already read: wait until it has
    # sent them (they are then scrubbed as sent) rather than let it send after the erasure.
    _wait_for_send_locks(queryset)
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
    queued; this finds it. A row that a worker is sending right now may be handed out again: the
    new task finds its send lock taken, or the row sent, and leaves it. Returns the count.
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
    bulk = [pk for pk, mailing_id in rows if mailing_id is not None]
    if len(bulk) < len(rows):
        # The transactional ones: the sender sends every queued row, these with the rest.
        wake_sender()
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
