"""Building a mailing: a chunk at a time, each handed to the bulk queue when it commits, with what
is the same for everyone of a language written once, and the same messages as one by one."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations.campaigns import audiences, building, rendering, unsubscribe
from registrations.models import Delivery, Mailing, Suppression
from registrations.outbox import queueing, sending, suppression
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["es", "pt", "en"]


def mailing_to(count, **fields):
    mailing = Mailing(
        session=SessionFactory(),
        kind=Mailing.Kind.INVITATION,
        audience=Mailing.Audience.ADDRESSES,
        status=Mailing.Status.QUEUED,
        attach_ics=True,
        addresses="\n".join(f"person{i}@example.org, {LANGUAGES[i % 3]}" for i in range(count)),
        **fields,
    )
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    return mailing


def build(mailing, capture):
    with capture(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        building.build_mailing(mailing_id=mailing.pk)
    return callbacks, queries


@pytest.fixture
def batches(monkeypatch):
    """The batches handed to the bulk queue, in order, instead of Celery."""
    handed = []
    monkeypatch.setattr(sending, "BATCH_SIZE", 10)
    monkeypatch.setattr(queueing, "enqueue_delivery_batch", lambda ids, countdown=None: handed.append(list(ids)))
    return handed


@pytest.mark.parametrize("chunks", [2, 7])
def test_each_chunk_is_queued_when_it_commits_and_costs_the_same_queries(
    chunks, batches, django_capture_on_commit_callbacks
):
    mailing = mailing_to(10 * chunks)

    callbacks, queries = build(mailing, django_capture_on_commit_callbacks)

    # One hand-over for the rows of an earlier build (none here), then one per chunk as it commits.
    assert len(callbacks) == 1 + chunks
    for callback in callbacks:
        callback()
    pks = list(Delivery.objects.filter(mailing=mailing).order_by("pk").values_list("pk", flat=True))
    assert batches == [pks[start : start + 10] for start in range(0, len(pks), 10)]
    # Before the chunks, in one transaction (savepoint ... release here): the mailing (locked), the
    # names the portal knows for a greeting (registrations, focal points), the recipients' rows
    # already written, suppressions, the queued rows of an earlier build. Per chunk: savepoint,
    # insert, read back, release, whatever the chunk's size. After them: the status becomes
    # "sending", then "done" once nothing is queued (a read and an update).
    assert len(queries) == 11 + 4 * chunks
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENDING


def unsigned(text):
    return re.sub(r"/unsubscribe/[^/]+/", "/unsubscribe/…/", text)


def test_shared_parts_give_the_same_messages_as_rendering_one_by_one(batches, django_capture_on_commit_callbacks):
    session = SessionFactory()
    registration = RegistrationFactory(session=session, email="confirmed@example.org", status="confirmed")
    mailing = Mailing(
        session=session, kind=Mailing.Kind.SAVE_THE_DATE, audience=Mailing.Audience.REGISTRANTS, status="queued"
    )
    rendering.fill_defaults(mailing=mailing)
    mailing.body_es = "Hola {name}: {session_url} {manage_url} {join_url}\n{local_times}"
    # The subject is written without its template when shared: the same, a name with markup included.
    mailing.subject_es = "Para {name} & co:\n <sesión>"
    mailing.save()
    RegistrationFactory(session=session, email="other@example.org", language="es", full_name="<b>www.example.org")
    mailing.registrant_statuses = ["confirmed", "pending"]
    mailing.save()

    build(mailing, django_capture_on_commit_callbacks)

    for delivery in Delivery.objects.filter(mailing=mailing).select_related("registration"):
        person = audiences.Recipient(
            email=delivery.to_email,
            language=delivery.registration.language,
            name=delivery.registration.full_name,
            time_zone=delivery.registration.time_zone,
            registration=delivery.registration,
        )
        _language, subject, text, html, ics, headers = rendering.render_mailing(mailing=mailing, recipient=person)
        # The unsubscribe link is signed with a timestamp: compare with its token blanked.
        assert (delivery.subject, unsigned(delivery.body_text)) == (subject, unsigned(text))
        assert unsigned(delivery.body_html) == unsigned(html)
        assert unsigned(str(delivery.headers)) == unsigned(str(headers))
        token = re.search(r"/unsubscribe/([^/]+)/", delivery.body_text).group(1)
        assert unsubscribe.read_unsubscribe_token(token) == (delivery.to_email, delivery.language)
        assert delivery.ics.replace("\r\n ", "").split("DTSTAMP")[0] == ics.replace("\r\n ", "").split("DTSTAMP")[0]
    # A confirmed person's file is a published event: their join link, nobody asked to reply.
    confirmed_ics = Delivery.objects.get(registration=registration).ics
    assert (confirmed_ics.count("METHOD:PUBLISH"), confirmed_ics.count("ATTENDEE")) == (1, 0)
    other = Delivery.objects.get(mailing=mailing, to_email="other@example.org")
    assert other.subject == "Para <b>www.example.org & co: <sesión>"  # one line, as typed (a header, not HTML)


def test_a_build_that_died_between_chunks_writes_the_rest_and_hands_out_what_was_left(
    batches, django_capture_on_commit_callbacks, monkeypatch
):
    mailing = mailing_to(30)
    real_chunk = building._build_chunk
    calls = []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(building, "_build_chunk", dies_on_the_second)
    with pytest.raises(RuntimeError):
        build(mailing, django_capture_on_commit_callbacks)
    monkeypatch.setattr(building, "_build_chunk", real_chunk)
    callbacks, _queries = build(mailing, django_capture_on_commit_callbacks)
    for callback in callbacks:
        callback()

    assert Delivery.objects.filter(mailing=mailing).count() == 30
    first_chunk = list(Delivery.objects.filter(mailing=mailing).order_by("pk").values_list("pk", flat=True))[:10]
    assert batches[0] == first_chunk  # the rows of the first build, handed out again
    assert sorted(pk for batch in batches for pk in batch) == sorted(
        Delivery.objects.filter(mailing=mailing).values_list("pk", flat=True)
    )


def test_the_suppression_check_asks_the_unique_hash_index():
    suppression.suppress_address(email="Ana@Example.org", reason=Suppression.Reason.OPT_OUT)

    with CaptureQueriesContext(connection) as queries:
        assert suppression.is_suppressed("ANA@example.ORG") is True
    assert suppression.is_suppressed("bea@example.org") is False

    # One equality on the keyed hash of the lower-cased address (a unique index), never UPPER(...).
    sql = queries[0]["sql"].upper()
    assert '"REGISTRATIONS_SUPPRESSION"."EMAIL_HASH" =' in sql
    assert "UPPER(" not in sql and "LOWER(" not in sql
