"""The worker's sender (``sending.send_queued``): the transactional messages requests queued go out
in batches, each over one SMTP connection, a registrant's message written first; a mailing's rows,
and rows another worker holds, are left alone; a request wakes the sender only when none is on its
way (``queueing.wake_sender``)."""

import logging
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from registrations import notifications, registering
from registrations.models import Delivery
from registrations.outbox import queueing, sending, tasks, upkeep
from tests.factories import SessionFactory
from tests.registrations.helpers import built, form_data, person, postgresql_only
from tests.support.smtp import free_port

pytestmark = pytest.mark.django_db


def registered(*emails):
    """Registrations of ``emails`` to one session: their confirmation requests wait in the outbox
    (the test's transaction never commits, so nothing wakes a sender)."""
    session = SessionFactory(title="Mecanismos inclusivos")
    for email in emails:
        registering.register_participant(session=session, data=person(email))
    return list(Delivery.objects.filter(mailing__isnull=True).order_by("pk"))


def send_queued():
    return sending.send_queued(render=notifications.render_delivery)


def rows(deliveries):
    return list(
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).order_by("pk").values_list("status", "attempts")
    )


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nothing listens


def test_everything_queued_goes_out_written_in_the_persons_language_over_one_connection(smtp_sink):
    queued = registered("ana@example.org", "bea@example.org", "eva@example.org")
    mailing_rows = built(2)

    assert send_queued() == []

    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org", "eva@example.org"]
    assert smtp_sink.connections == 1
    assert rows(queued) == [(Delivery.Status.SENT, 1)] * 3
    sent = Delivery.objects.get(pk=queued[0].pk)
    assert (sent.subject, sent.render_params) == ("Por favor, confirme su inscripción: Mecanismos inclusivos", None)
    assert smtp_sink.messages[0]["Subject"] == sent.subject
    # A mailing's rows travel in the mailing's own batches, on the bulk queue.
    assert rows(mailing_rows) == [(Delivery.Status.QUEUED, 0)] * 2


def test_a_batch_at_a_time_each_over_its_own_connection(smtp_sink, monkeypatch):
    monkeypatch.setattr(sending, "BATCH_SIZE", 2)
    queued = registered(*(f"person{i}@example.org" for i in range(5)))

    assert send_queued() == []

    assert smtp_sink.handler.recipients() == [f"person{i}@example.org" for i in range(5)]
    assert smtp_sink.connections == 3
    assert rows(queued) == [(Delivery.Status.SENT, 1)] * 5


@pytest.mark.parametrize("count", [3, 12])
def test_the_sender_costs_a_fixed_few_queries_and_one_per_message(count, smtp_sink):
    registered(*(f"person{i}@example.org" for i in range(count)))

    with CaptureQueriesContext(connection) as queries:
        assert send_queued() == []

    # Fixed: the ids waiting, the rows with their registration and session, the next (empty) ids;
    # on PostgreSQL the send locks taken and released. Then one update per message.
    fixed = 5 if connection.vendor == "postgresql" else 3
    assert len(queries) == fixed + count
    assert len(smtp_sink.handler.recipients()) == count


def test_a_server_that_is_down_is_the_first_messages_failure_and_the_rest_wait(smtp_down):
    first, second = registered("ana@example.org", "bea@example.org")

    assert send_queued() == [first.pk, second.pk]

    assert rows([first, second]) == [(Delivery.Status.QUEUED, 1), (Delivery.Status.QUEUED, 0)]
    assert Delivery.objects.get(pk=first.pk).last_error.startswith("ConnectionRefusedError")


def test_a_message_the_server_refused_goes_again_as_it_was_written(smtp_sink):
    first, second = registered("ana@example.org", "bea@example.org")
    smtp_sink.handler.fail_next(1)

    assert send_queued() == [first.pk, second.pk]
    failed = Delivery.objects.get(pk=first.pk)
    assert (failed.status, failed.attempts, failed.render_params) == (Delivery.Status.QUEUED, 1, None)
    assert failed.subject == "Por favor, confirme su inscripción: Mecanismos inclusivos"

    assert send_queued() == []
    sent = Delivery.objects.get(pk=first.pk)
    assert (sent.status, sent.attempts, sent.body_text) == (Delivery.Status.SENT, 2, failed.body_text)
    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org"]


def test_the_failure_is_logged_with_the_id_of_the_request_that_queued_the_message(client, smtp_down, caplog):
    session = SessionFactory(title="Mecanismos inclusivos")
    response = client.post(f"/es/registrations/sessions/{session.slug}/register/", form_data("ana@example.org"))
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.request_id == response["X-Request-ID"]

    with caplog.at_level(logging.WARNING, logger="registrations.outbox"):
        send_queued()

    [line] = [record for record in caplog.records if f"Delivery {delivery.pk} not sent" in record.getMessage()]
    assert line.request_id == response["X-Request-ID"]


@postgresql_only
def test_rows_another_worker_is_sending_are_left_to_it(smtp_sink, other_worker):
    queued = registered("ana@example.org", "bea@example.org", "eva@example.org")
    other_worker.hold(queued[1:2])

    assert send_queued() == []

    assert smtp_sink.handler.recipients() == ["ana@example.org", "eva@example.org"]
    assert rows(queued) == [(Delivery.Status.SENT, 1), (Delivery.Status.QUEUED, 0), (Delivery.Status.SENT, 1)]

    other_worker.die()  # without sending it: the next sender does
    assert send_queued() == []
    assert smtp_sink.handler.recipients() == ["ana@example.org", "eva@example.org", "bea@example.org"]


def test_a_cache_that_fails_does_not_stop_the_sender(smtp_sink, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise DatabaseError("the cache table is gone")

    monkeypatch.setattr(cache, "delete", broken)
    queued = registered("ana@example.org")

    with caplog.at_level(logging.WARNING, logger="registrations.outbox"):
        assert send_queued() == []

    assert smtp_sink.handler.recipients() == ["ana@example.org"]
    assert rows(queued) == [(Delivery.Status.SENT, 1)]
    assert "The cache failed on the outbox's wake-up key" in caplog.text


def test_a_request_wakes_the_sender_only_when_none_is_on_its_way(smtp_sink):
    # Celery runs eagerly here: a sender that is woken runs at once, in this process.
    registered("ana@example.org", "bea@example.org")
    cache.set(queueing.SENDER_WOKEN_KEY, 1)  # a sender is on its way

    queueing.wake_sender()
    assert smtp_sink.handler.recipients() == []

    cache.delete(queueing.SENDER_WOKEN_KEY)  # it has started: whatever comes next needs another
    queueing.wake_sender()
    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org"]
    assert cache.get(queueing.SENDER_WOKEN_KEY) is None


def test_a_sender_that_finds_the_server_down_retries_later_and_new_rows_wait_for_it(smtp_down):
    [first] = registered("ana@example.org")

    # As a worker runs it (not eagerly): Celery's retry is raised, to run again after the backoff.
    with pytest.raises(Retry):
        tasks.send_queued_deliveries_task.run()

    assert rows([first]) == [(Delivery.Status.QUEUED, 1)]
    # Until then a new registration wakes no sender of its own into the same failure.
    assert cache.get(queueing.SENDER_WOKEN_KEY) == 1


def test_the_sweeper_wakes_the_sender_for_transactional_messages_left_queued(
    smtp_sink, django_capture_on_commit_callbacks
):
    # Queued while the broker was away: nothing woke a sender (the test's transaction never commits).
    queued = registered("ana@example.org", "bea@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert upkeep.requeue_stuck_deliveries(older_than=timedelta(0)) == 2

    # Celery runs eagerly here: the sender it woke has sent both, over one connection.
    assert smtp_sink.handler.recipients() == ["ana@example.org", "bea@example.org"]
    assert smtp_sink.connections == 1
    assert rows(queued) == [(Delivery.Status.SENT, 1)] * 2
