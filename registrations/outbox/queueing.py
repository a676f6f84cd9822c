"""Storing a message as a Delivery row, and telling the worker about it after the commit."""

import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from common.breaker import CircuitBreaker
from registrations.models import Delivery

# The tasks that send, named rather than imported: tasks.py imports this module.
SEND_DELIVERY_TASK = "registrations.send_delivery"


SEND_DELIVERY_BATCH_TASK = "registrations.send_delivery_batch"


SEND_QUEUED_TASK = "registrations.send_queued_deliveries"


# Present in the cache while a sender task is on its way: a request that finds it adds no task,
# since that sender will find the new row. It expires by itself should the task be lost.
SENDER_WOKEN_KEY = "outbox:sender-woken"


SENDER_WOKEN_SECONDS = 30


SENDER_GATHER_SECONDS = settings.OUTBOX_SENDER_GATHER_SECONDS


logger = logging.getLogger(__name__)


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


def new_message_id():
    return make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)


# After a failed hand-over, this process leaves new rows to the sweeper for a few seconds: a broker
# that accepts connections and never answers costs each publish its socket timeout (seconds);
# without the breaker every registration during the outage would pay it.
BROKER_BREAKER = CircuitBreaker("broker")


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
    if BROKER_BREAKER.is_open():
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
        BROKER_BREAKER.trip(seconds=settings.OUTBOX_BROKER_RETRY_AFTER)
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


def enqueue_delivery_batch(delivery_ids, countdown=None):
    """Hand a batch of mailing deliveries to the bulk queue; a broker that is down leaves them queued."""
    try:
        current_app.signature(SEND_DELIVERY_BATCH_TASK, args=(list(delivery_ids),)).apply_async(countdown=countdown)
    except Exception:
        logger.exception("Could not enqueue %s deliveries; they stay queued", len(delivery_ids))
