"""Private links: keys derived with a secret outside the database (registrations.tokens).

A copy of the database alone opens no private page; links sent before the change keep working;
every e-mail written after it carries a working link.
"""

import re
import secrets
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from registrations import tokens
from registrations.campaigns import building, rendering
from registrations.models import Delivery, Mailing, Registration
from tests.factories import RegistrationFactory, SessionFactory

BEFORE = [("registrations", "0009_delivery_request_id_and_to_send_index")]
AFTER = [("registrations", "0010_private_link_keys_derived")]
pytestmark = pytest.mark.django_db
PRIVATE_LINK = re.compile(r"/(?:en|es|pt)/registrations/r/([A-Za-z0-9_-]+)/")


def every_stored_value():
    """Every value of every table, as text: what a copy of the database holds."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            values.extend(str(value) for row in cursor.fetchall() for value in row if value is not None)
    return values


@pytest.fixture
def back_to_the_latest_schema(transactional_db):
    """The migrations after AFTER are applied again once the test ends, pass or fail: the next test on
    this worker's database expects today's schema (0012 adds a column the rollback dropped)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_link_issued_before_the_change_still_opens_its_page_and_the_stored_copy_is_gone(
    client, back_to_the_latest_schema
):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    OldSession = old_apps.get_model("sessions_app", "Session")
    OldRegistration = old_apps.get_model("registrations", "Registration")
    OldDelivery = old_apps.get_model("registrations", "Delivery")
    session = SessionFactory()
    old_token = secrets.token_urlsafe(32)
    old = OldRegistration.objects.create(
        session=OldSession.objects.get(pk=session.pk),
        email="ana@example.org",
        full_name="Ana",
        country="UY",
        language="es",
        time_zone="America/Montevideo",
        status="confirmed",
        token=old_token,
    )
    OldDelivery.objects.create(
        key="old-message",
        kind="registration_confirmed",
        to_email="ana@example.org",
        registration_id=old.pk,
        subject="Seat",
        body_text=f"Your page: https://portal.example/es/registrations/r/{old_token}/",
        body_html=f'<a href="https://portal.example/es/registrations/r/{old_token}/">page</a>',
        status="sent",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    page = client.get(f"/es/registrations/r/{old_token}/")
    assert page.status_code == 200
    assert page.context["registration"].pk == old.pk
    assert not any(old_token in value for value in every_stored_value())
    stored = Delivery.objects.get(key="old-message")
    assert stored.body_text == f"Your page: https://portal.example/es/registrations/r/{tokens.LINK_PLACEHOLDER}/"
    # The link written from now on is the derived one, and it opens the same page.
    registration = Registration.objects.get(pk=old.pk)
    assert registration.token != old_token
    assert client.get(f"/es/registrations/r/{registration.token}/").context["registration"].pk == old.pk


def test_a_reminder_written_after_the_change_carries_a_working_link(client, django_capture_on_commit_callbacks):
    session = SessionFactory(starts_at=(timezone.now() + timedelta(days=10)).replace(microsecond=0))
    ana = RegistrationFactory(session=session, email="ana@example.org", status=Registration.Status.CONFIRMED)
    mailing = Mailing(session=session, kind=Mailing.Kind.REMINDER, audience=Mailing.Audience.REGISTRANTS)
    rendering.fill_defaults(mailing=mailing)
    mailing.save()

    with django_capture_on_commit_callbacks(execute=True):
        building.queue_mailing(mailing=mailing)

    [message] = mail.outbox
    [key] = set(PRIVATE_LINK.findall(message.body))
    page = client.get(f"/es/registrations/r/{key}/")
    assert page.status_code == 200
    assert page.context["registration"].pk == ana.pk
    html = message.alternatives[0][0]
    assert set(PRIVATE_LINK.findall(html)) == {key}


def test_the_database_holds_no_usable_key(client, django_capture_on_commit_callbacks):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        from registrations import registering
        from tests.registrations.helpers import person

        registering.register_participant(session=session, data=person("ana@example.org"))
    [message] = mail.outbox
    [key] = set(PRIVATE_LINK.findall(message.body))
    assert client.get(f"/es/registrations/r/{key}/").status_code == 200

    stored = every_stored_value()
    assert not any(key in value for value in stored)
    # Nothing stored opens a page either: not the nonce, not any word shaped like a key.
    candidates = {word for value in stored for word in re.findall(r"[A-Za-z0-9_-]{16,64}", value)}
    registration = Registration.objects.get(email="ana@example.org")
    assert registration.link_nonce in candidates
    for word in candidates:
        with pytest.raises(Exception) as refused:
            tokens.registration_for_token(word)
        assert refused.type.__name__ == "Http404", word


def test_changing_the_key_without_a_fallback_ends_every_link_sent(client, settings):
    registration = RegistrationFactory()
    sent = registration.token
    settings.PRIVATE_LINK_KEY = "another-secret"
    new = registration.token

    assert new[: tokens.NONCE_LENGTH] == sent[: tokens.NONCE_LENGTH]
    assert client.get(f"/es/registrations/r/{new}/").status_code == 200
    assert client.get(f"/es/registrations/r/{sent}/").status_code == 404


def test_an_old_key_listed_as_a_fallback_keeps_its_links(client, settings):
    settings.PRIVATE_LINK_KEY = "first-secret"
    registration = RegistrationFactory()
    sent = registration.token

    settings.PRIVATE_LINK_KEY = "second-secret"
    settings.PRIVATE_LINK_KEY_FALLBACKS = ["first-secret"]

    response = client.get(f"/es/registrations/r/{sent}/")

    assert (response.status_code, registration.full_name in response.content.decode()) == (200, True)
    assert registration.token != sent


def test_an_erased_registration_has_no_link():
    registration = RegistrationFactory(link_nonce=None)

    assert registration.token is None


def test_a_mailing_sent_over_smtp_in_a_batch_carries_each_person_s_own_working_link(client, smtp_sink):
    session = SessionFactory(starts_at=(timezone.now() + timedelta(days=10)).replace(microsecond=0))
    people = [
        RegistrationFactory(session=session, email=f"p{number}@example.org", status=Registration.Status.CONFIRMED)
        for number in range(3)
    ]
    mailing = Mailing(session=session, kind=Mailing.Kind.REMINDER, audience=Mailing.Audience.REGISTRANTS)
    rendering.fill_defaults(mailing=mailing)
    mailing.status = Mailing.Status.QUEUED
    mailing.save()
    building.build_mailing(mailing_id=mailing.pk)

    from registrations.outbox import sending

    assert sending.send_delivery_batch(delivery_ids=list(mailing.deliveries.values_list("pk", flat=True))) == []

    opened = {}
    for recipients, message in smtp_sink.handler.messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        [key] = set(PRIVATE_LINK.findall(text))
        assert set(PRIVATE_LINK.findall(html)) == {key}
        opened[recipients[0]] = client.get(f"/es/registrations/r/{key}/").context["registration"].email
    assert opened == {person.email: person.email for person in people}
    assert not any(
        person.token in body for person in people for body in Delivery.objects.values_list("body_text", flat=True)
    )
