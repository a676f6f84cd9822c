"""Mailings in-process: recipients, languages, the outbox rows, suppression, reminders, rescheduling.

Celery runs eagerly here (settings_test) and e-mail goes to Django's locmem outbox; the same code
against the real Redis, worker and SMTP server is in tests/services/.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from registrations.campaigns import audiences, automatic, building, rendering
from registrations.models import Delivery, Mailing, Registration, Suppression
from registrations.outbox import queueing, sending, suppression, upkeep
from sessions_app.models import Session
from tests.factories import FocalPointFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session2():
    return SessionFactory(
        number=2,
        title="Inclusive mechanisms",
        starts_at=(timezone.now() + timedelta(days=10)).replace(microsecond=0),
        join_url="https://video.example.org/j/secret-join",
    )


def confirmed(session, email, language, **kwargs):
    return RegistrationFactory(
        session=session, email=email, language=language, status=Registration.Status.CONFIRMED, **kwargs
    )


def draft(session, **kwargs):
    mailing = Mailing(session=session, **kwargs)
    rendering.fill_defaults(mailing=mailing)
    mailing.save()
    return mailing


def queue_and_run(mailing, capture):
    with capture(execute=True):
        building.queue_mailing(mailing=mailing)
    mailing.refresh_from_db()
    return mailing


def test_save_the_date_reaches_each_registrant_once_in_their_language_with_the_ics(
    session2, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://wg.example"
    confirmed(session2, "ana@example.org", "es", full_name="Ana Núñez", time_zone="America/Montevideo")
    confirmed(session2, "joao@example.org", "pt", full_name="João Silva", time_zone="America/Sao_Paulo")
    confirmed(session2, "kate@example.org", "en", full_name="Kate O'Brien", time_zone="Europe/Dublin")
    RegistrationFactory(session=session2, email="pending@example.org", status=Registration.Status.PENDING)
    mailing = draft(session2, kind=Mailing.Kind.SAVE_THE_DATE, audience=Mailing.Audience.REGISTRANTS)

    mailing = queue_and_run(mailing, django_capture_on_commit_callbacks)

    assert mailing.status == Mailing.Status.DONE
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["ana@example.org", "joao@example.org", "kate@example.org"]
    assert by_address["ana@example.org"].subject == "Reserve la fecha: Inclusive mechanisms"
    assert by_address["joao@example.org"].subject == "Reserve a data: Inclusive mechanisms"
    assert by_address["kate@example.org"].subject == "Save the date: Inclusive mechanisms"
    ana = by_address["ana@example.org"]
    assert ana.body.startswith("Estimada/o Ana Núñez,")
    assert "Montevideo (Uruguay): " in ana.body
    assert ana.alternatives[0].mimetype == "text/html"
    assert "Kate O&#x27;Brien" in by_address["kate@example.org"].alternatives[0].content
    assert ana.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ana.extra_headers["List-Unsubscribe"].startswith("<https://wg.example/es/registrations/unsubscribe/")
    [part] = ana.attachments
    filename, ics = part.get_filename(), part.get_payload(decode=True)
    # One charset, and the method the file carries.
    assert part["Content-Type"] == 'text/calendar; charset="utf-8"; method="PUBLISH"'
    assert filename == "invite.ics"
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{session2.uid}@copolad-wg"
    # Save-the-date to confirmed people is their invitation, so it may carry the join link; pending never.
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENT).count() == 3


def test_invitation_carries_the_registration_link_and_never_the_join_link(
    session2, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://wg.example"
    mailing = draft(
        session2,
        kind=Mailing.Kind.INVITATION,
        audience=Mailing.Audience.ADDRESSES,
        addresses="ana@example.org, es\nJOAO@example.org; pt\nkate@example.org",
    )

    queue_and_run(mailing, django_capture_on_commit_callbacks)

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert sorted(bodies) == ["JOAO@example.org", "ana@example.org", "kate@example.org"]
    assert f"Inscríbase aquí: https://wg.example/es/sessions/{session2.slug}/#register" in bodies["ana@example.org"]
    assert f"Register here: https://wg.example/en/sessions/{session2.slug}/#register" in bodies["kate@example.org"]
    assert all("secret-join" not in body for body in bodies.values())


def test_building_twice_and_case_variants_give_one_delivery_per_address(session2, django_capture_on_commit_callbacks):
    mailing = draft(
        session2,
        kind=Mailing.Kind.CUSTOM,
        audience=Mailing.Audience.ADDRESSES,
        addresses="Ana@Example.org\nana@example.org\nkate@example.org",
    )
    queue_and_run(mailing, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        created_again = building.build_mailing(mailing_id=mailing.pk)

    assert created_again == 0
    assert sorted(mailing.deliveries.values_list("to_email", flat=True)) == ["Ana@Example.org", "kate@example.org"]
    assert sorted(message.to[0] for message in mail.outbox) == ["Ana@Example.org", "kate@example.org"]


def test_the_database_refuses_a_second_row_for_the_same_mailing_and_address(session2):
    mailing = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="a@b.org")
    Delivery.objects.create(key="one", kind="custom", mailing=mailing, to_email="a@b.org", subject="s", body_text="b")

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            key="two", kind="custom", mailing=mailing, to_email="A@B.org", subject="s", body_text="b"
        )


def test_suppressed_addresses_are_skipped_and_counted(session2, django_capture_on_commit_callbacks):
    suppression.suppress_address(email="Gone@example.org", reason=Suppression.Reason.HARD_BOUNCE)
    mailing = draft(
        session2,
        kind=Mailing.Kind.CUSTOM,
        audience=Mailing.Audience.ADDRESSES,
        addresses="gone@example.org\nkate@example.org",
    )

    _blockers, warnings = building.check_mailing(mailing=mailing)
    queue_and_run(mailing, django_capture_on_commit_callbacks)

    assert warnings == ["1 recipients are on the suppression list and will be skipped."]
    assert [message.to for message in mail.outbox] == [["kate@example.org"]]
    assert building.mailing_progress(mailing) == {"sent": 1, "failed": 0, "pending": 0, "suppressed": 1, "total": 2}


def test_check_blocks_unknown_placeholders_and_lists_the_allowed_ones(session2):
    confirmed(session2, "ana@example.org", "en")
    mailing = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.REGISTRANTS)
    mailing.subject_en = "News for {name} about {sesion_title}"
    mailing.body_es = "{unknown} y otra vez {unknown}; {local_times}"

    blockers, _warnings = building.check_mailing(mailing=mailing)

    assert blockers == [
        "Unknown placeholders: {sesion_title}, {unknown}. The placeholders you can use are: {name}, "
        "{session_title}, {session_number}, {start_session}, {start_local}, {local_times}, {session_url}, "
        "{register_url}, {join_url}, {manage_url}."
    ]


def test_the_default_texts_use_only_known_placeholders(session2):
    for kind in Mailing.Kind.values:
        assert rendering.unknown_placeholders(draft(session2, kind=kind)) == []


def test_check_blocks_missing_translation_missing_link_and_past_session(session2):
    confirmed(session2, "ana@example.org", "es")
    mailing = draft(session2, kind=Mailing.Kind.INVITATION, audience=Mailing.Audience.REGISTRANTS)
    mailing.body_es = ""
    mailing.body_en = "No link here"
    Session.objects.filter(pk=session2.pk).update(starts_at=timezone.now() - timedelta(days=1))
    mailing.session.refresh_from_db()

    blockers, _warnings = building.check_mailing(mailing=mailing)

    assert blockers == [
        "The subject or body in Spanish is missing and some recipients read that language.",
        "The invitation does not carry the registration link ({register_url}).",
        "The session is in the past.",
    ]
    with pytest.raises(building.MailingBlocked):
        building.queue_mailing(mailing=mailing)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_focal_points_get_the_language_of_their_country(session2):
    FocalPointFactory(user=UserFactory(username="uy", email="uy@example.org"), country="UY")
    FocalPointFactory(user=UserFactory(username="br", email="br@example.org"), country="BR")
    FocalPointFactory(user=UserFactory(username="be", email="be@example.org"), country="BE")
    mailing = draft(session2, kind=Mailing.Kind.SAVE_THE_DATE, audience=Mailing.Audience.FOCAL_POINTS)

    recipients = audiences.mailing_recipients(mailing)

    assert [(person.email, person.language) for person in recipients] == [
        ("uy@example.org", "es"),
        ("br@example.org", "pt"),
        ("be@example.org", "en"),
    ]


def test_send_delivery_twice_and_batch_twice_send_once(session2):
    delivery = queueing.queue_email(
        key="test:1", kind="custom", to_email="a@example.org", language="en", template="mailing",
        context={"subject": "Hi", "body": "Body", "unsubscribe_url": "https://x"},
    )  # fmt: skip

    assert sending.send_delivery(delivery_id=delivery.pk) is True
    assert sending.send_delivery(delivery_id=delivery.pk) is False
    assert sending.send_delivery_batch(delivery_ids=[delivery.pk, delivery.pk]) == []
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    assert mail.outbox[0].extra_headers["Message-ID"] == delivery.message_id


def test_transient_smtp_error_keeps_the_rest_for_a_retry_and_permanent_error_is_recorded(smtp_sink, session2):
    mailing = draft(
        session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="a@x.org\nb@x.org"
    )
    mailing.status = Mailing.Status.QUEUED
    mailing.save()
    building.build_mailing(mailing_id=mailing.pk)
    first, second = mailing.deliveries.order_by("pk")

    smtp_sink.handler.fail_next(1)
    remaining = sending.send_delivery_batch(delivery_ids=[first.pk, second.pk])
    assert remaining == [first.pk, second.pk]
    first.refresh_from_db()
    assert (first.status, first.attempts) == (Delivery.Status.QUEUED, 1)
    assert first.last_error.startswith("SMTPDataError: (421")

    smtp_sink.handler.fail_next(1, reply="554 5.7.1 Rejected")
    assert sending.send_delivery_batch(delivery_ids=remaining) == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Delivery.Status.FAILED, Delivery.Status.SENT)
    assert first.last_error.startswith("SMTPDataError: (554")
    assert smtp_sink.handler.recipients() == ["b@x.org"]

    upkeep.update_mailing_status(mailing_ids=[mailing.pk])
    with_one_failed = building.mailing_progress(mailing)
    assert with_one_failed == {"sent": 1, "failed": 1, "pending": 0, "suppressed": 0, "total": 2}
    assert building.retry_failed(mailing=mailing) == 1
    assert sending.send_delivery_batch(delivery_ids=[first.pk]) == []
    assert sorted(smtp_sink.handler.recipients()) == ["a@x.org", "b@x.org"]


def test_unsubscribe_link_asks_first_then_suppresses(client, session2, settings):
    settings.SITE_URL = "https://wg.example"
    url = rendering.unsubscribe_url(email="ana@example.org", language="es").removeprefix("https://wg.example")
    assert url.startswith("/es/registrations/unsubscribe/")

    page = client.get(url)
    assert page.status_code == 200
    assert "¿Dejar de enviar los envíos del grupo de trabajo de COPOLAD a ana@example.org?" in page.content.decode()
    assert not Suppression.objects.exists()

    done = client.post(url)
    assert "ana@example.org no recibirá más envíos del grupo de trabajo." in done.content.decode()
    assert list(Suppression.objects.values_list("email", "reason")) == [("ana@example.org", "opt_out")]


def test_one_click_unsubscribe_post_needs_no_csrf_and_a_forged_token_is_refused(session2, settings):
    from django.test import Client

    settings.SITE_URL = "https://wg.example"
    client = Client(enforce_csrf_checks=True)
    url = rendering.unsubscribe_url(email="kate@example.org", language="en").removeprefix("https://wg.example")
    token = url.split("/")[-2]

    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    forged = client.get(url.replace(token, token[:-3] + "abc"))

    assert response.status_code == 200
    assert list(Suppression.objects.values_list("email", flat=True)) == ["kate@example.org"]
    assert forged.status_code == 404
    assert "This unsubscribe link is not valid" in forged.content.decode()


def test_reminders_go_once_to_confirmed_people_in_their_language_with_the_join_link(
    session2, django_capture_on_commit_callbacks
):
    confirmed(session2, "ana@example.org", "es", time_zone="America/Montevideo")
    RegistrationFactory(session=session2, email="wait@example.org", status=Registration.Status.WAITLISTED)
    day_before = session2.starts_at - timedelta(hours=23)

    with django_capture_on_commit_callbacks(execute=True):
        assert automatic.send_due_reminders(now=session2.starts_at - timedelta(hours=25)) == 0
        assert automatic.send_due_reminders(now=day_before) == 1
        assert automatic.send_due_reminders(now=day_before + timedelta(minutes=5)) == 0
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]
    assert mail.outbox[0].subject.startswith("Recordatorio: Inclusive mechanisms comienza ")
    assert "(hora de Montevideo, UTC-03:00)" in mail.outbox[0].subject
    assert "Unirse a la sesión: https://video.example.org/j/secret-join" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert automatic.send_due_reminders(now=session2.starts_at - timedelta(minutes=30)) == 1
        assert automatic.send_due_reminders(now=session2.starts_at - timedelta(minutes=29)) == 0
    assert len(mail.outbox) == 2


def test_reschedule_keeps_the_uid_raises_sequence_and_tells_confirmed_people(
    session2, django_capture_on_commit_callbacks
):
    confirmed(session2, "ana@example.org", "es")
    RegistrationFactory(session=session2, email="pending@example.org", status=Registration.Status.PENDING)
    new_start = session2.starts_at + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        update = automatic.reschedule_session(session=session2, starts_at=new_start)
    with django_capture_on_commit_callbacks(execute=True):
        assert automatic.reschedule_session(session=session2, starts_at=new_start) is None

    session2.refresh_from_db()
    assert (session2.starts_at, session2.ics_sequence) == (new_start, 1)
    assert update.kind == Mailing.Kind.UPDATE
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]
    [part] = mail.outbox[0].attachments
    ics = part.get_payload(decode=True)
    calendar = Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["method"]) == "PUBLISH"
    assert (str(event["uid"]), event["sequence"]) == (f"{session2.uid}@copolad-wg", 1)
    assert event.decoded("dtstart") == new_start


def test_a_scheduled_mailing_waits_for_its_time(session2, django_capture_on_commit_callbacks):
    mailing = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="a@x.org")
    mailing.scheduled_at = timezone.now() + timedelta(hours=2)
    mailing.save()

    with django_capture_on_commit_callbacks(execute=True):
        building.queue_mailing(mailing=mailing)
        building.dispatch_due_mailings(now=timezone.now() + timedelta(hours=1))
    assert (mail.outbox, mailing.deliveries.count()) == ([], 0)

    with django_capture_on_commit_callbacks(execute=True):
        building.dispatch_due_mailings(now=timezone.now() + timedelta(hours=3))
    mailing.refresh_from_db()
    assert [message.to for message in mail.outbox] == [["a@x.org"]]
    assert mailing.status == Mailing.Status.DONE


def test_queueing_twice_is_refused_and_builds_once(session2, django_capture_on_commit_callbacks):
    mailing = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="a@x.org")

    queue_and_run(mailing, django_capture_on_commit_callbacks)
    with pytest.raises(building.MailingBlocked) as blocked:
        building.queue_mailing(mailing=mailing)

    assert blocked.value.blockers == ["The mailing has already been queued."]
    assert len(mail.outbox) == 1


class RefusingHandler:
    """An SMTP server that says the mailbox does not exist (550 on RCPT): a hard bounce."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook
        return "550 5.1.1 No such user"


def test_a_hard_bounce_fails_the_row_and_suppresses_the_address_for_later_mailings(session2, settings):
    from aiosmtpd.controller import Controller

    from tests.support.smtp import free_port

    port = free_port()
    controller = Controller(RefusingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        False,
        5,
    )
    try:
        mailing = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="Gone@x.org")
        mailing.status = Mailing.Status.QUEUED
        mailing.save()
        building.build_mailing(mailing_id=mailing.pk)
        delivery = mailing.deliveries.get()

        assert sending.send_delivery_batch(delivery_ids=[delivery.pk]) == []
    finally:
        controller.stop()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert delivery.last_error.startswith("SMTPRecipientsRefused")
    assert list(Suppression.objects.values_list("email", "reason")) == [("Gone@x.org", "hard_bounce")]
    later = draft(session2, kind=Mailing.Kind.CUSTOM, audience=Mailing.Audience.ADDRESSES, addresses="gone@x.org")
    later.status = Mailing.Status.QUEUED
    later.save()
    building.build_mailing(mailing_id=later.pk)
    assert list(later.deliveries.values_list("status", flat=True)) == [Delivery.Status.SUPPRESSED]
