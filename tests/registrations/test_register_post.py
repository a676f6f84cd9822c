"""The registration POST does the least it can while the visitor waits: validate, write the row and
the outbox row, answer. The e-mail is written by the worker after the commit."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations import seats
from registrations.models import Delivery, Registration
from registrations.tasks import send_delivery_task
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def register_url(session):
    return f"/es/registrations/sessions/{session.slug}/register/"


def post_queries(client, session, email):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(register_url(session), form_data(email))
    assert response.status_code == 302
    return [query["sql"] for query in queries]


@pytest.mark.parametrize("existing", [1, 60])
def test_a_registration_post_costs_the_same_queries_whatever_the_registrations(client, existing):
    session = SessionFactory(capacity=1000)
    for number in range(existing):
        RegistrationFactory(session=session, email=f"someone{number}@example.org", status="confirmed")
    post_queries(client, session, "warm@example.org")  # the first request of a process loads more

    queries = post_queries(client, session, "ana@example.org")

    # the session, the privacy notice (the one the person accepted, unless it changed meanwhile),
    # the institutions of the form's select, the address already there?, then in one transaction: an erased address's
    # suppression lifted, the registration, the audit log (its serialiser reads the certificate
    # relation, then the entry), the outbox row already there?, the outbox row (savepoint, insert,
    # release), release
    assert [query.split(" ")[0] for query in queries] == [
        "SELECT", "SELECT", "SELECT", "SELECT",
        "SAVEPOINT", "DELETE", "INSERT", "SELECT", "INSERT",
        "SELECT", "SAVEPOINT", "INSERT", "RELEASE", "RELEASE",
    ]  # fmt: skip
    assert Registration.objects.filter(session=session).count() == existing + 2


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
