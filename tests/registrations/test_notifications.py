import pytest

from registrations import registering, seats
from registrations.models import Delivery, Registration
from registrations.outbox.tasks import send_delivery_task
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import person, rendered

pytestmark = pytest.mark.django_db


def test_every_registration_email_task_run_twice_sends_one_message(smtp_sink):
    session = SessionFactory(capacity=1, title="Mecanismos inclusivos")
    first = registering.register_participant(session=session, data=person("ana@example.org"))
    second = registering.register_participant(session=session, data=person("bea@example.org"))
    registering.register_participant(session=session, data=person("ANA@example.org"))  # private link again
    seats.confirm_registration(registration=first)
    seats.confirm_registration(registration=second)
    seats.cancel_registration(registration=first)  # cancellation + promotion of the second
    deliveries = list(Delivery.objects.order_by("pk"))
    assert [(d.kind, d.to_email) for d in deliveries] == [
        ("registration_confirm", "ana@example.org"),
        ("registration_confirm", "bea@example.org"),
        ("registration_link", "ana@example.org"),
        ("registration_confirmed", "ana@example.org"),
        ("registration_waitlisted", "bea@example.org"),
        ("registration_cancelled", "ana@example.org"),
        ("registration_confirmed", "bea@example.org"),
    ]

    for delivery in deliveries:
        send_delivery_task.apply(args=(delivery.pk,))
        send_delivery_task.apply(args=(delivery.pk,))

    assert smtp_sink.handler.recipients() == [d.to_email for d in deliveries]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_the_confirmed_email_has_text_html_and_the_invitation_in_the_registrants_language_and_zones(smtp_sink):
    session = SessionFactory(title="Mecanismos inclusivos", time_zone="Europe/Madrid")
    registration = RegistrationFactory(
        session=session, status=Registration.Status.PENDING, language="es", time_zone="America/Montevideo"
    )
    seats.confirm_registration(registration=registration)
    delivery = Delivery.objects.get(kind="registration_confirmed")

    send_delivery_task.apply(args=(delivery.pk,))

    message = smtp_sink.messages[0]
    # Python folds a long encoded subject onto a continuation line; readers drop the folding space.
    assert message["Subject"].strip() == "Su inscripción está confirmada: Mecanismos inclusivos"
    parts = {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html", "text/calendar"}
    text = parts["text/plain"].get_content()
    assert "(hora de Montevideo, UTC-03:00)" in text
    assert "(hora de Madrid, UTC+0" in text
    assert session.join_url in text
    assert "METHOD:PUBLISH" in parts["text/calendar"].get_content()
    assert parts["text/calendar"]["Content-Type"] == 'text/calendar; charset="utf-8"; method="PUBLISH"'
    assert "ATTENDEE" not in parts["text/calendar"].get_content()


def test_a_name_with_a_line_break_cannot_add_headers(smtp_sink):
    session = SessionFactory(title="Sesión\r\nBcc: victim@example.org")
    registration = RegistrationFactory(session=session, full_name="Ana\r\nBcc: victim@example.org", status="pending")
    seats.confirm_registration(registration=registration)

    for delivery in Delivery.objects.all():
        send_delivery_task.apply(args=(delivery.pk,))

    assert smtp_sink.handler.recipients() == [registration.email]
    assert "\n" not in smtp_sink.messages[0]["Subject"]


def test_html_part_escapes_what_people_type():
    session = SessionFactory()
    registration = RegistrationFactory(session=session, full_name="<script>alert(1)</script>", status="pending")

    seats.confirm_registration(registration=registration)

    delivery = rendered(Delivery.objects.get())
    assert "<script>" not in delivery.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in delivery.body_html
    assert "<script>alert(1)</script>" in delivery.body_text


def test_the_cancellation_of_a_seat_carries_a_calendar_cancel(smtp_sink):
    session = SessionFactory()
    registration = RegistrationFactory(session=session, status="pending")
    seats.confirm_registration(registration=registration)
    seats.cancel_registration(registration=registration)
    delivery = Delivery.objects.get(kind="registration_cancelled")

    send_delivery_task.apply(args=(delivery.pk,))

    calendar = next(part for part in smtp_sink.messages[0].walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in calendar.get_content()
    assert session.join_url not in calendar.get_content()
