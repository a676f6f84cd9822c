"""The transactional send task as a worker runs it: a registrant's message written and sent in one
transaction, and one SMTP connection for the e-mails that follow closely."""

import pytest

from registrations import seats, tasks
from registrations.mail.outbox import TransientSendError
from registrations.models import Delivery
from tests.factories import SessionFactory
from tests.registrations.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_connection():
    """The kept connection lives as long as the process: no test inherits another's (its sink is gone)."""
    tasks._smtp.close()
    yield
    tasks._smtp.close()


def queued(*emails):
    session = SessionFactory(title="Mecanismos inclusivos")
    for email in emails:
        seats.register_participant(session=session, data=person(email))
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def run_in_worker(delivery_id):
    """The task's body, as a worker process runs it (not eagerly, as a web process without broker does)."""
    assert not tasks.send_delivery_task.request.is_eager
    tasks.send_delivery_task.run(delivery_id)


def test_e_mails_that_follow_closely_go_over_one_connection(smtp_sink):
    for delivery_id in queued("ana@example.org", "bea@example.org", "eva@example.org"):
        run_in_worker(delivery_id)

    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org", "eva@example.org"]
    assert smtp_sink.connections == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_connection_idle_too_long_is_not_used_again(smtp_sink, monkeypatch):
    monkeypatch.setattr(tasks.KeptSMTPConnection, "IDLE_SECONDS", -1)

    for delivery_id in queued("ana@example.org", "bea@example.org"):
        run_in_worker(delivery_id)

    assert smtp_sink.connections == 2
    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org"]


def test_a_failed_send_keeps_the_written_message_for_its_retry_and_drops_the_connection(smtp_sink):
    first, second = queued("ana@example.org", "bea@example.org")
    smtp_sink.handler.fail_next(1)

    with pytest.raises(TransientSendError):
        run_in_worker(first)
    failed = Delivery.objects.get(pk=first)
    run_in_worker(first)
    run_in_worker(second)

    assert (failed.status, failed.attempts, failed.render_params) == (Delivery.Status.QUEUED, 1, None)
    assert failed.subject == "Por favor, confirme su inscripción: Mecanismos inclusivos"
    sent = Delivery.objects.get(pk=first)
    assert (sent.status, sent.attempts, sent.subject, sent.body_text) == (
        Delivery.Status.SENT,
        2,
        failed.subject,
        failed.body_text,
    )
    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org"]
    assert smtp_sink.connections == 2  # a new one after the failure, then kept for the next e-mail


def test_a_server_that_is_down_costs_each_e_mail_one_try_and_the_failure_is_on_the_row(settings, monkeypatch):
    from registrations.mail import outbox
    from tests.support.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nothing listens
    kept_tries = []
    monkeypatch.setattr(outbox, "open_smtp_connection", lambda: kept_tries.append(1) or outbox.get_connection())
    first, second = queued("ana@example.org", "bea@example.org")

    for delivery_id in (first, second):
        with pytest.raises(TransientSendError):
            run_in_worker(delivery_id)

    # The kept connection tried once; each send tried its own and put the failure on its row.
    assert (len(kept_tries), tasks._smtp.connection) == (1, None)
    assert list(Delivery.objects.order_by("pk").values_list("status", "attempts")) == [("queued", 1), ("queued", 1)]
    assert Delivery.objects.filter(last_error__startswith="ConnectionRefusedError").count() == 2
