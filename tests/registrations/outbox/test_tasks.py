"""The single-message send task as a worker runs it: a registrant's message written and sent in one
transaction, and kept for the retry when the send fails. (Without a broker every message goes
through it, eagerly; with one, the sender takes them all: test_sender.py.)"""

import pytest

from registrations import registering
from registrations.models import Delivery
from registrations.outbox import tasks
from registrations.outbox.sending import TransientSendError
from tests.factories import SessionFactory
from tests.registrations.helpers import person

pytestmark = pytest.mark.django_db


def queued(*emails):
    session = SessionFactory(title="Mecanismos inclusivos")
    for email in emails:
        registering.register_participant(session=session, data=person(email))
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def run_in_worker(delivery_id):
    """The task's body, as a worker process runs it (not eagerly, as a web process without broker does)."""
    assert not tasks.send_delivery_task.request.is_eager
    tasks.send_delivery_task.run(delivery_id)


def test_a_failed_send_keeps_the_written_message_for_its_retry(smtp_sink):
    [first] = queued("ana@example.org")
    smtp_sink.handler.fail_next(1)

    with pytest.raises(TransientSendError):
        run_in_worker(first)
    failed = Delivery.objects.get(pk=first)
    run_in_worker(first)

    assert (failed.status, failed.attempts, failed.render_params) == (Delivery.Status.QUEUED, 1, None)
    assert failed.subject == "Por favor, confirme su inscripción: Mecanismos inclusivos"
    sent = Delivery.objects.get(pk=first)
    assert (sent.status, sent.attempts, sent.subject, sent.body_text) == (
        Delivery.Status.SENT,
        2,
        failed.subject,
        failed.body_text,
    )
    assert smtp_sink.handler.recipients() == ["ana@example.org"]
