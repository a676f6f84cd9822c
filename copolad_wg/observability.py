"""Logs a person can follow: one JSON object per line (python-json-logger writes it), each with the
id of the request behind it.

No line carries a private link's key (``redact``): every record's message is redacted when the
record is made, whatever its logger (Django's ``django.request`` and ``django.security`` write the
path of every 4xx), and the formatters redact the whole line they write (extras, tracebacks).

The request id comes from the proxy's X-Request-ID when we sit behind proxies of ours, otherwise
it is made here (hand-written rather than django-guid: see "Libraries before plumbing" in the
README); it is answered in the response's X-Request-ID header, set on every log record
(``RequestIdFilter``) and carried in the headers of every Celery task that the request publishes,
so the worker's lines about a confirmation e-mail carry the id of the registration that queued it.
An outbox row keeps the id of the request that queued it too (``_stamp_delivery``): the worker's
sender sends the rows of many requests in one task, and logs each row's line with its own id.
"""

import contextlib
import contextvars
import logging
import re
import uuid

from celery import signals
from django.db.models.signals import pre_save
from pythonjsonlogger import json as jsonlogger

_request_id = contextvars.ContextVar("request_id", default="-")

HEADER = "request_id"
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id():
    return uuid.uuid4().hex


def bind_request_id(value):
    """Make ``value`` the current request id; returns a token for ``unbind_request_id``."""
    return _request_id.set(value)


def unbind_request_id(token):
    _request_id.reset(token)


# The paths that carry a key: the private page and everything under it, a person's documents, the
# one-click unsubscribe link, a person's presentations and evaluation, a speaker's upload link. The
# key is replaced, the rest of the path kept (it says what was asked).
_PRIVATE_PATHS = (
    re.compile(r"(/registrations/r/)[^/?#\s'\"<>\\]+"),
    re.compile(r"(/registrations/)[^/?#\s'\"<>\\]+(?=/(?:documents|presentations|evaluation))"),
    re.compile(r"(/unsubscribe/)[^/?#\s'\"<>\\]+"),
    re.compile(r"(/speakers/upload/)[^/?#\s'\"<>\\]+"),
)
REDACTED = "[redacted]"


def redact(text):
    """``text`` with the key of every private link in it replaced by ``REDACTED``."""
    if "/registrations/" not in text and "/unsubscribe/" not in text and "/speakers/upload/" not in text:
        return text
    for pattern in _PRIVATE_PATHS:
        text = pattern.sub(rf"\1{REDACTED}", text)
    return text


def _redact_message(record):
    """Format the record's message now and keep it redacted: any handler, ours or not, reads it so."""
    if not isinstance(record.msg, str) and not record.args:
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call is the logging module's to report, not ours
        return
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None


def _redacting(make_record):
    def factory(*args, **kwargs):
        record = make_record(*args, **kwargs)
        _redact_message(record)
        return record

    factory.redacts = True
    return factory


if not getattr(logging.getLogRecordFactory(), "redacts", False):
    logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))


class RedactingFormatter(logging.Formatter):
    """The text format, with private links' keys redacted from the whole line."""

    def format(self, record):
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(jsonlogger.JsonFormatter):
    """python-json-logger's formatter with our field names: time, level, logger, message, the request
    id, every ``extra`` (dates in ISO form, what json cannot encode as text) and the traceback as
    "exception"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "exc_info": "exception"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def format(self, record):
        RequestIdFilter().filter(record)
        # Extras (a request's repr) and tracebacks may hold a path too.
        return redact(super().format(record))


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    request_id = _request_id.get()
    if headers is not None and request_id != "-":
        headers.setdefault(HEADER, request_id)


_task_tokens = {}


@signals.task_prerun.connect
def _receive_request_id(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    if request_id is None and task is not None:
        request_id = (getattr(task.request, "headers", None) or {}).get(HEADER)
    if request_id and VALID_ID.match(str(request_id)):
        _task_tokens[task_id] = _request_id.set(str(request_id))


@signals.task_postrun.connect
def _forget_request_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # A token set in another context than this one leaves nothing of ours to undo.
        with contextlib.suppress(ValueError):
            _request_id.reset(token)


def _stamp_delivery(sender, instance, **kwargs):
    if instance._state.adding and not instance.request_id and _request_id.get() != "-":
        instance.request_id = _request_id.get()


# By name: this module is imported with the Celery app, before the models are loaded.
pre_save.connect(_stamp_delivery, sender="registrations.Delivery", dispatch_uid="observability.stamp_delivery")
