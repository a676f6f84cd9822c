"""The registration and confirmation POSTs do the least they can while the visitor waits: validate,
write the rows and the outbox row, answer. The e-mail is written by the worker after the commit."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations import seats
from registrations.models import Delivery, Registration
from registrations.outbox import queueing
from registrations.outbox.tasks import send_delivery_task
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def register_url(session):
    return f"/es/registrations/sessions/{session.slug}/register/"


def post_queries(client, session, email, monkeypatch=None):
    if monkeypatch is not None:
        # Committed for real, the eager worker would send the e-mail in the request: hand over nothing.
        monkeypatch.setattr(queueing, "enqueue_delivery", lambda delivery_id: None)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(register_url(session), form_data(email))
    assert response.status_code == 302
    return [query["sql"] for query in queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [1, 60])
def test_a_registration_post_costs_the_same_queries_whatever_the_registrations(client, existing, monkeypatch):
    """Committed as in production (the test's own transaction would keep the process from keeping
    what it reads: see ``pagecache.ProcessMemo``)."""
    session = SessionFactory(capacity=1000)
    for number in range(existing):
        RegistrationFactory(session=session, email=f"someone{number}@example.org", status="confirmed")
    post_queries(client, session, "warm@example.org", monkeypatch)  # the first one reads and keeps more

    queries = post_queries(client, session, "ana@example.org", monkeypatch)

    # The session, the privacy notice and the institutions are kept by the process (read again
    # only once they change); the address is not looked up (its unique index answers). Then one
    # transaction: the registration, its audit entry, the outbox row (savepoint, insert, release).
    assert [query.split(" ")[0] for query in queries] == [
        "BEGIN", "INSERT", "INSERT", "SAVEPOINT", "INSERT", "RELEASE", "COMMIT",
    ]  # fmt: skip
    assert Registration.objects.filter(session=session).count() == existing + 2


@pytest.mark.django_db(transaction=True)
def test_an_address_registered_already_costs_a_look_up_and_gets_the_same_answer(client, monkeypatch):
    session = SessionFactory()
    post_queries(client, session, "ana@example.org", monkeypatch)

    with CaptureQueriesContext(connection) as queries:
        again = client.post(register_url(session), form_data("ANA@example.org"))

    assert again.url == f"/es/registrations/sessions/{session.slug}/register/done/"
    # The insert fails on the unique index and rolls back, then the person's link is queued again.
    assert [query["sql"].split(" ")[0] for query in queries][:4] == ["BEGIN", "INSERT", "ROLLBACK", "SELECT"]
    assert list(Delivery.objects.order_by("pk").values_list("kind", "to_email")) == [
        ("registration_confirm", "ana@example.org"),
        ("registration_link", "ana@example.org"),
    ]
    assert Registration.objects.get().email == "ana@example.org"


def test_the_audit_entry_of_a_registration_holds_its_own_fields_only(client):
    from auditlog.models import LogEntry

    session = SessionFactory()
    client.post(register_url(session), form_data("ana@example.org"))

    registration = Registration.objects.get()
    entry = LogEntry.objects.get_for_object(registration).get(action=LogEntry.Action.CREATE)
    own = {field.name for field in Registration._meta.concrete_fields} - {"link_nonce", "updated_at"}
    assert set(entry.changes) <= own
    assert entry.changes["email"] == ["None", "ana@example.org"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [1, 60])
def test_a_confirmation_costs_the_same_queries_whatever_the_registrations(client, existing, monkeypatch):
    session = SessionFactory(capacity=1000)
    for number in range(existing):
        RegistrationFactory(session=session, email=f"someone{number}@example.org", status="confirmed")
    first, second = (RegistrationFactory(session=session, status="pending") for _ in range(2))
    monkeypatch.setattr(queueing, "enqueue_delivery", lambda delivery_id: None)  # no e-mail in the request
    client.post(f"/es/registrations/r/{first.token}/confirm/")  # the first request of a process keeps more

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/es/registrations/r/{second.token}/confirm/")

    assert response.status_code == 302
    # The person's registration, then one transaction: an erased address's suppression lifted (the
    # person has shown the address is theirs), the session locked (on SQLite, a write takes the
    # database's lock), the registration locked, the seats taken, waiting and reserved (one
    # query), the seat, its audit entry, the outbox row (savepoint, insert, release).
    lock = ["SELECT", "SELECT"] if connection.vendor == "postgresql" else ["UPDATE", "SELECT"]
    assert [query["sql"].lstrip("(").split(" ")[0] for query in queries] == [
        "SELECT", "BEGIN", "DELETE", *lock, "SELECT", "SELECT", "UPDATE", "INSERT", "SAVEPOINT", "INSERT", "RELEASE",
        "COMMIT",
    ]  # fmt: skip
    assert "UNION ALL" in queries[6]["sql"]
    assert Registration.objects.filter(session=session, status="confirmed").count() == existing + 2


def test_the_post_writes_no_email_and_the_worker_writes_it_after_the_commit(client, django_capture_on_commit_callbacks):
    session = SessionFactory(title="Mecanismos inclusivos")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(register_url(session), form_data("ana@example.org"))

    delivery = Delivery.objects.get()
    assert (delivery.subject, delivery.body_text, delivery.render_params) == ("", "", {})
    assert len(callbacks) == 1  # the hand-over to the broker, after the commit
    send_delivery_task.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.subject == "Por favor, confirme su inscripción: Mecanismos inclusivos"
    assert delivery.render_params is None
    assert [message.subject for message in mail.outbox] == [delivery.subject]


def test_confirming_renders_nothing_under_the_lock(django_capture_on_commit_callbacks, monkeypatch):
    """The seat decision holds the session lock; the e-mail (templates, calendar file) comes later."""
    from registrations import notifications

    session = SessionFactory(capacity=1)
    registration = RegistrationFactory(session=session, status="pending")
    rendered = []
    monkeypatch.setattr(notifications, "render_email", lambda **kwargs: rendered.append(kwargs) or ("", "", ""))

    with django_capture_on_commit_callbacks(execute=False):
        seats.confirm_registration(registration=registration)

    assert rendered == []
    assert Delivery.objects.get().render_params == {"promoted": False}
