"""Sending a mailing's batch: a fixed few queries plus one per message, each row under its send
lock, and what happens when another worker holds a lock, dies holding it, or an erasure comes in."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from registrations.campaigns import unsubscribe
from registrations.models import Delivery
from registrations.outbox import erasure, sending, upkeep
from tests.registrations.helpers import built, postgresql_only

pytestmark = pytest.mark.django_db


def statuses(rows):
    return [Delivery.objects.get(pk=row.pk).status for row in rows]


@pytest.mark.parametrize("count", [3, 12])
def test_a_batch_costs_a_fixed_few_queries_and_one_per_message(count, smtp_sink):
    rows = built(count)

    with CaptureQueriesContext(connection) as queries:
        assert sending.send_delivery_batch(delivery_ids=[row.pk for row in rows]) == []

    # Fixed: the rows and the suppression list, read once; on PostgreSQL the send locks taken
    # before and released after. Then one update per message, committed before the next goes out.
    fixed = 4 if connection.vendor == "postgresql" else 2
    assert len(queries) == fixed + count
    assert sorted(smtp_sink.handler.recipients()) == sorted(row.to_email for row in rows)
    assert statuses(rows) == [Delivery.Status.SENT] * count


def test_an_address_suppressed_after_the_build_is_skipped_when_its_batch_goes_out(smtp_sink):
    first, second = built(2)
    unsubscribe.unsubscribe(email=second.to_email.upper())

    assert sending.send_delivery_batch(delivery_ids=[first.pk, second.pk]) == []

    assert smtp_sink.handler.recipients() == [first.to_email]
    assert statuses([first, second]) == [Delivery.Status.SENT, Delivery.Status.SUPPRESSED]


@postgresql_only
def test_rows_another_worker_holds_are_left_to_it_and_go_out_once_it_has_died(
    smtp_sink, other_worker, django_capture_on_commit_callbacks
):
    rows = built(4)
    other_worker.hold(rows[1:3])

    assert sending.send_delivery_batch(delivery_ids=[row.pk for row in rows]) == []
    assert sorted(smtp_sink.handler.recipients()) == [rows[0].to_email, rows[3].to_email]
    assert statuses(rows) == [
        Delivery.Status.SENT,
        Delivery.Status.QUEUED,
        Delivery.Status.QUEUED,
        Delivery.Status.SENT,
    ]

    # The worker is killed: its connection closes, and its locks with it. The rows it held are
    # still queued, so the sweeper hands them out again (Celery runs eagerly here).
    other_worker.die()
    with django_capture_on_commit_callbacks(execute=True):
        assert upkeep.requeue_stuck_deliveries(older_than=timedelta(0)) == 2

    assert sorted(smtp_sink.handler.recipients()) == sorted(row.to_email for row in rows)
    assert statuses(rows) == [Delivery.Status.SENT] * 4


@postgresql_only
def test_a_single_send_leaves_a_row_that_a_batch_is_sending(smtp_sink, other_worker):
    [row] = built(1)
    other_worker.hold([row])

    assert sending.send_delivery(delivery_id=row.pk) is False
    assert smtp_sink.handler.recipients() == []

    other_worker.die()
    assert sending.send_delivery(delivery_id=row.pk) is True
    assert smtp_sink.handler.recipients() == [row.to_email]


@postgresql_only
def test_an_erasure_waits_for_the_worker_sending_the_persons_message(other_worker):
    [row] = built(1)
    other_worker.hold([row])

    # While the batch holds the row (its content already read), the erasure cannot go ahead.
    with pytest.raises(OperationalError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
        erasure.erase_deliveries(Delivery.objects.filter(pk=row.pk))
    assert Delivery.objects.get(pk=row.pk).to_email == row.to_email

    other_worker.die()
    with transaction.atomic():
        assert erasure.erase_deliveries(Delivery.objects.filter(pk=row.pk)) == 1
    erased = Delivery.objects.get(pk=row.pk)
    assert (erased.status, erased.to_email, erased.body_text) == (Delivery.Status.SUPPRESSED, "", "")
