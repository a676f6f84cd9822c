"""Mailings end to end on the real Redis, a real Celery worker process and a real SMTP server.

Each recipient must end with exactly one message whatever fails on the way: a busy SMTP server,
a worker killed with SIGKILL, a broker that is down while people register, tasks run twice.
"""

import math
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from registrations.campaigns import automatic, building, rendering
from registrations.campaigns.tasks import build_mailing_task, dispatch_due_mailings_task, send_due_reminders_task
from registrations.models import Delivery, Mailing, Registration
from registrations.outbox import queueing
from registrations.outbox.tasks import (
    requeue_stuck_deliveries_task,
    send_delivery_batch_task,
    send_delivery_task,
    send_queued_deliveries_task,
)
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data
from tests.services.conftest import point_celery_at, restore_eager_celery, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["es", "pt", "en"]


def pasted(count):
    return "\n".join(f"person{i}@example.org, {LANGUAGES[i % 3]}" for i in range(count))


def expected(count):
    return [f"person{i}@example.org" for i in range(count)]


def new_mailing(session, **fields):
    mailing = Mailing(session=session, **fields)
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    return mailing


def settled(mailing):
    return not mailing.deliveries.filter(status=Delivery.Status.QUEUED).exists()


def unacked(broker):
    client = broker.client()
    try:
        return client.hlen(broker.key("unacked"))
    finally:
        client.close()


def broker_idle(broker, *, orphans=0):
    """Nothing waiting in the queues and nothing reserved (unacked, including retries with a countdown)
    beyond ``orphans``: messages a killed worker held, which Redis gives back only after the visibility
    timeout (and which are then no-ops, their rows being sent)."""
    client = broker.client()
    try:
        return (
            client.llen(broker.key("default")) == 0
            and client.llen(broker.key("bulk")) == 0
            and client.hlen(broker.key("unacked")) == orphans
        )
    finally:
        client.close()


def received(sink):
    return Counter(sink.handler.recipients())


def test_save_the_date_arrives_once_with_its_headers_parts_and_calendar(broker, start_worker, smtp_server):
    session = SessionFactory(title="Inclusive mechanisms")
    people = [
        RegistrationFactory(
            session=session, email=f"p{i}@example.org", language=LANGUAGES[i % 3], status=Registration.Status.CONFIRMED
        )
        for i in range(6)
    ]
    mailing = new_mailing(session, kind=Mailing.Kind.SAVE_THE_DATE, audience=Mailing.Audience.REGISTRANTS)
    start_worker(broker=broker)

    building.queue_mailing(mailing=mailing)

    wait_for(lambda: len(smtp_server.messages) == 6 and settled(mailing), timeout=60, message="six messages")
    wait_for(lambda: Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DONE, timeout=10, message="done")
    assert received(smtp_server) == Counter({person.email: 1 for person in people})
    by_address = {message["To"]: message for message in smtp_server.messages}
    spanish = by_address["p0@example.org"]
    delivery = Delivery.objects.get(mailing=mailing, to_email="p0@example.org")
    assert spanish["Subject"] == "Reserve la fecha: Inclusive mechanisms"
    assert spanish["Message-ID"] == delivery.message_id
    assert spanish["List-Unsubscribe"].strip().startswith("<https://wg.example/es/registrations/unsubscribe/")
    assert spanish["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [part.get_content_type() for part in spanish.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar_part = next(part for part in spanish.walk() if part.get_content_type() == "text/calendar")
    assert calendar_part.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(calendar_part.get_content())
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["method"]) == "PUBLISH"
    assert calendar_part.get_param("method") == "PUBLISH"
    assert "attendee" not in event
    assert (str(event["uid"]), event["sequence"]) == (f"{session.uid}@copolad-wg", 0)
    assert spanish.get_body(("plain",)).get_content().startswith("Estimada/o ")


def test_smtp_421_for_a_while_in_the_middle_of_1000_recipients_still_gives_one_message_each(
    broker, start_worker, smtp_server
):
    session = SessionFactory()
    mailing = new_mailing(session, kind=Mailing.Kind.INVITATION, audience=Mailing.Audience.ADDRESSES)
    mailing.addresses = pasted(1000)
    mailing.save()
    start_worker(broker=broker)

    building.queue_mailing(mailing=mailing)
    wait_for(lambda: len(smtp_server.messages) >= 200, timeout=90, message="the first 200 messages")
    smtp_server.handler.fail_next(10**9)  # every DATA answered 421 ...
    time.sleep(2)
    smtp_server.handler.fail_next(0)  # ... until the server recovers

    wait_for(lambda: len(smtp_server.messages) >= 1000 and settled(mailing), timeout=150, message="1000 messages")
    wait_for(lambda: broker_idle(broker), timeout=30, message="an idle broker")
    assert received(smtp_server) == Counter(dict.fromkeys(expected(1000), 1))
    statuses = Counter(mailing.deliveries.values_list("status", flat=True))
    assert statuses == Counter({Delivery.Status.SENT: 1000})
    # The outage really hit the mailing: some rows needed more than one attempt.
    assert mailing.deliveries.filter(attempts__gt=1).exists()


def test_worker_killed_mid_mailing_then_restarted_leaves_everyone_with_one_message(broker, start_worker, smtp_server):
    """Crash window: a message the SMTP server accepted just before the kill, whose row was not yet
    committed as sent, goes out again. At most one per pool process (here 2), with the same Message-ID.
    2,000 recipients: the kill lands while the build is still writing chunks and the other process
    is already sending the first ones."""
    total = 2000
    concurrency = 2
    session = SessionFactory()
    mailing = new_mailing(session, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES)
    mailing.addresses = pasted(total)
    mailing.save()
    worker = start_worker(broker=broker, concurrency=concurrency)

    building.queue_mailing(mailing=mailing)
    wait_for(lambda: len(smtp_server.messages) >= 100, timeout=90, message="the first 100 messages")
    worker.kill()
    assert len(smtp_server.messages) < total
    orphans = unacked(broker)

    start_worker(broker=broker, concurrency=concurrency)

    def all_sent():
        # What beat does every few minutes: hand out again the rows whose task died with the worker,
        # and finish a build that died half-way.
        requeue_stuck_deliveries_task.delay()
        dispatch_due_mailings_task.delay()
        return settled(mailing) and len(set(smtp_server.handler.recipients())) == total

    wait_for(all_sent, timeout=180, interval=2, message="every recipient after the restart")
    wait_for(lambda: broker_idle(broker, orphans=orphans), timeout=30, message="an idle broker")
    counts = received(smtp_server)
    assert sorted(counts) == sorted(expected(total))
    duplicates = sum(count - 1 for count in counts.values())
    assert duplicates <= concurrency
    for address in [address for address, count in counts.items() if count > 1]:
        ids = {message["Message-ID"] for message in smtp_server.handler.messages_to(address)}
        assert len(ids) == 1
    assert Counter(mailing.deliveries.values_list("status", flat=True)) == Counter({Delivery.Status.SENT: total})


@pytest.fixture
def celery_on_own_redis(own_redis):
    point_celery_at(own_redis.broker)
    yield own_redis
    restore_eager_celery()


def test_registrations_are_saved_and_answered_while_redis_is_down_and_confirmed_once_it_is_back(
    celery_on_own_redis, start_worker, smtp_server, client
):
    own_redis = celery_on_own_redis
    session = SessionFactory(title="Inclusive mechanisms", capacity=100)
    with translation.override("es"):
        url = reverse("registrations:register", kwargs={"slug": session.slug})
    emails = [f"registrant{i}@example.org" for i in range(5)]
    own_redis.stop()

    # How long a dead broker costs each person is measured in bench/bench_broker_down.py, not here.
    for number, email in enumerate(emails):
        response = client.post(url, form_data(email=email), REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 302
        assert response["Location"] == reverse("registrations:register_done", kwargs={"slug": session.slug})

    assert sorted(Registration.objects.values_list("email", flat=True)) == emails
    assert Counter(Delivery.objects.values_list("status", flat=True)) == Counter({Delivery.Status.QUEUED: 5})
    assert smtp_server.messages == []

    own_redis.start()
    start_worker(broker=own_redis.broker)

    def confirmations_sent():
        try:
            requeue_stuck_deliveries_task.delay()  # beat's sweeper
        except Exception:  # noqa: BLE001 - the first publish may still use a connection from before the restart
            point_celery_at(own_redis.broker)
        return sorted(smtp_server.handler.recipients()) == emails

    wait_for(confirmations_sent, timeout=60, interval=2, message="the five confirmations")
    wait_for(lambda: broker_idle(own_redis.broker), timeout=30, message="an idle broker")
    assert received(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_every_task_run_twice_sends_once(broker, start_worker, smtp_server):
    session = SessionFactory()
    mailing = new_mailing(session, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES)
    mailing.addresses = pasted(20)
    mailing.status = Mailing.Status.QUEUED
    mailing.save()
    start_worker(broker=broker)

    build_mailing_task.delay(mailing.pk)
    build_mailing_task.delay(mailing.pk)
    wait_for(lambda: len(smtp_server.messages) >= 20 and settled(mailing), timeout=60, message="20 messages")
    ids = list(mailing.deliveries.values_list("pk", flat=True))
    send_delivery_batch_task.delay(ids)
    send_delivery_batch_task.delay(ids)
    queueing.queue_email(
        key="services:once", kind="custom", to_email="single@example.org", language="en", template="mailing",
        context={"subject": "Once", "body": "Once only", "unsubscribe_url": "https://wg.example/u"},
    )  # fmt: skip
    # The commit woke a sender already; two more run, as a redelivered task would.
    send_queued_deliveries_task.delay()
    send_queued_deliveries_task.delay()
    wait_for(lambda: "single@example.org" in smtp_server.handler.recipients(), timeout=30, message="single")
    wait_for(lambda: broker_idle(broker), timeout=30, message="an idle broker")

    assert received(smtp_server) == Counter({**dict.fromkeys(expected(20), 1), "single@example.org": 1})
    assert mailing.deliveries.count() == 20


def test_reminder_is_sent_once_when_beat_runs_twice_and_a_reschedule_moves_the_same_event(
    broker, start_worker, smtp_server
):
    session = SessionFactory(
        title="Inclusive mechanisms",
        starts_at=(timezone.now() + timedelta(minutes=30)).replace(microsecond=0),
        join_url="https://video.example.org/j/secret-join",
    )
    people = [
        RegistrationFactory(
            session=session, email=f"r{i}@example.org", language=LANGUAGES[i], status=Registration.Status.CONFIRMED
        )
        for i in range(3)
    ]
    RegistrationFactory(session=session, email="waiting@example.org", status=Registration.Status.WAITLISTED)
    start_worker(broker=broker)

    send_due_reminders_task.delay()
    send_due_reminders_task.delay()
    wait_for(lambda: len(smtp_server.messages) >= 3, timeout=60, message="three reminders")
    wait_for(lambda: broker_idle(broker), timeout=30, message="an idle broker")

    assert received(smtp_server) == Counter({person.email: 1 for person in people})
    english = next(message for message in smtp_server.messages if message["To"] == "r2@example.org")
    assert english["Subject"].startswith("Reminder: Inclusive mechanisms starts ")
    assert "Join the session: https://video.example.org/j/secret-join" in english.get_body(("plain",)).get_content()

    automatic.reschedule_session(session=session, starts_at=session.starts_at + timedelta(days=1))
    wait_for(lambda: len(smtp_server.messages) >= 6, timeout=60, message="three updates")
    wait_for(lambda: broker_idle(broker), timeout=30, message="an idle broker")

    updates = list(smtp_server.messages[3:])
    assert sorted(message["To"] for message in updates) == [person.email for person in people]
    for message in updates:
        part = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
        event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        assert (str(event["uid"]), event["sequence"]) == (f"{session.uid}@copolad-wg", 1)
        assert event.decoded("dtstart") == session.starts_at


def worker_connections():
    """Backend pids of the other sessions on the test database: here, only the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_from_task_to_task_as_conn_max_age_says(
    broker, start_worker, smtp_server
):
    """As gunicorn does from request to request: no new PostgreSQL connection for each batch."""
    start_worker(broker=broker, concurrency=1, env={"DB_CONN_MAX_AGE": "60"})
    seen = []
    for number in range(2):
        delivery = queueing.queue_email(
            key=f"reuse:{number}", kind="custom", to_email=f"reuse{number}@example.org", language="en",
            template="mailing", context={"subject": "Once", "body": "Once only", "unsubscribe_url": "https://x"},
        )  # fmt: skip
        # Published here whatever an earlier test left in this process's broker breaker (sent once anyway).
        send_delivery_task.delay(delivery.pk)
        wait_for(lambda n=number: len(smtp_server.messages) == n + 1, timeout=30, message="the message")
        seen.append(wait_for(worker_connections, timeout=10, message="the worker's idle connection"))

    assert len(seen[0]) == 1
    assert seen[1] == seen[0]


def test_a_registration_rush_wakes_one_sender_which_sends_what_gathered_over_one_connection_a_batch(
    broker, start_worker, smtp_server, client
):
    """Forty people register before the worker takes the first wake-up (as in a rush, when the
    sender's gathering window is still open): the first request wakes the sender, the 39 others find
    it woken and queue no task, and the one sender sends the forty e-mails in batches of
    OUTBOX_BATCH_SIZE, each batch over one connection of its own.

    The worker starts after the rush, so that how many batches there are does not depend on how
    fast this machine serves the forty requests: with a running worker, rows that arrive while the
    sender sends go in a later batch, and a slow, busy machine makes more of them."""
    session = SessionFactory(title="Inclusive mechanisms", capacity=100)
    with translation.override("es"):
        url = reverse("registrations:register", kwargs={"slug": session.slug})
    emails = [f"rush{i}@example.org" for i in range(40)]

    for number, email in enumerate(emails):
        response = client.post(url, form_data(email=email), REMOTE_ADDR=f"10.2.0.{number}")
        assert response.status_code == 302
    worker = start_worker(broker=broker, queues="default")
    wait_for(lambda: len(smtp_server.messages) >= len(emails), timeout=60, message="forty confirmations")
    wait_for(lambda: broker_idle(broker), timeout=30, message="an idle broker")

    assert received(smtp_server) == Counter(dict.fromkeys(emails, 1))
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert all(message["Subject"].startswith("Por favor, confirme su inscripción") for message in smtp_server.messages)
    received_tasks = [line for line in worker.log_path.read_text().splitlines() if "] received" in line]
    senders = [line for line in received_tasks if "Task registrations.send_queued_deliveries[" in line]
    assert (len(received_tasks), len(senders)) == (1, 1)
    # The worker's batches are smaller than production's (OUTBOX_BATCH_SIZE in its environment).
    batch_size = int(worker.env()["OUTBOX_BATCH_SIZE"])
    assert (batch_size < len(emails), smtp_server.connections_with_messages) == (
        True,
        math.ceil(len(emails) / batch_size),
    )
