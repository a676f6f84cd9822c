"""No log line carries a private link's key: not ours, not Django's (django.request, django.security),
at any level, whatever the failure (CSRF, 404, 429, 500) on a token URL."""

import io
import logging

import pytest
from django.test import Client

from copolad_wg.observability import JsonFormatter, RedactingFormatter, redact
from registrations import views
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured(caplog):
    """Every record (any logger, any level) and the lines our two formats write of them."""
    caplog.set_level(logging.DEBUG)
    streams = []
    root = logging.getLogger()
    handlers = []
    for formatter in (JsonFormatter(), RedactingFormatter("%(levelname)s %(name)s %(message)s")):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.setLevel(logging.DEBUG)
        root.addHandler(handler)
        handlers.append(handler)
        streams.append(stream)
    yield caplog, streams
    for handler in handlers:
        root.removeHandler(handler)


def everything_logged(caplog, streams):
    """The records' messages, every string they carry, and the lines written."""
    texts = [stream.getvalue() for stream in streams]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.extend(value for value in vars(record).values() if isinstance(value, str))
    return texts


def test_no_log_record_holds_a_key_after_a_csrf_failure_a_404_a_429_and_a_500(
    one_rate_window, captured, settings, monkeypatch
):
    caplog, streams = captured
    registration = RegistrationFactory()
    key = registration.token
    settings.TOKEN_RATE_LIMIT = (1, 600)

    csrf = Client(enforce_csrf_checks=True).post(f"/en/registrations/r/{key}/my-data/delete/")
    missing = Client().get(f"/en/registrations/{key}/documents/999999/")
    browser = Client()
    browser.post(f"/en/registrations/r/{key}/cancel/")
    limited = browser.post(f"/en/registrations/r/{key}/cancel/")

    def broken(*args, **kwargs):
        raise RuntimeError("the template failed")

    monkeypatch.setattr(views, "manage_context", broken, raising=False)
    monkeypatch.setattr(views, "render", broken)
    failed = Client(raise_request_exception=False).get(f"/en/registrations/r/{key}/")

    assert [csrf.status_code, missing.status_code, limited.status_code, failed.status_code] == [403, 404, 429, 500]
    loggers = {record.name for record in caplog.records}
    assert {"django.security.csrf", "django.request"} <= loggers
    logged = everything_logged(caplog, streams)
    assert [text for text in logged if key in text] == []
    # What was asked stays readable: the path, its key replaced.
    assert any("/en/registrations/r/[redacted]/my-data/delete/" in text for text in logged)
    assert any("/en/registrations/[redacted]/documents/999999/" in text for text in logged)
    assert any("Too Many Requests: /en/registrations/r/[redacted]/cancel/" in text for text in logged)
    assert any("Internal Server Error: /en/registrations/r/[redacted]/" in text for text in logged)


def test_redact_keeps_other_paths_as_they_are():
    assert redact("/es/registrations/find/") == "/es/registrations/find/"
    assert redact("/es/sessions/session-2/register/") == "/es/sessions/session-2/register/"
    assert redact("GET /pt/registrations/unsubscribe/eyJlIjoi:1x:abc/ 200") == (
        "GET /pt/registrations/unsubscribe/[redacted]/ 200"
    )
