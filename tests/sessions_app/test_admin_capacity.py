"""Raising a session's capacity in the admin gives the new seats to the waiting list, in order, once staff
have seen who gets which e-mail."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from registrations.models import Registration
from tests.factories import RegistrationFactory, SessionFactory
from tests.sessions_app.test_admin import session_form

pytestmark = pytest.mark.django_db


def test_raising_the_capacity_promotes_the_first_waiting_people(client, staff, django_capture_on_commit_callbacks):
    starts_at = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    session = SessionFactory(capacity=1, starts_at=starts_at, time_zone="UTC")
    RegistrationFactory(session=session, status=Registration.Status.CONFIRMED, email="seated@example.org")
    waiting = [
        RegistrationFactory(
            session=session,
            status=Registration.Status.WAITLISTED,
            email=f"waiting{number}@example.org",
            waitlisted_at=starts_at - timedelta(days=10 - number),
        )
        for number in range(3)
    ]
    client.force_login(staff)
    data = session_form(
        session.group,
        number=str(session.number),
        slug=session.slug,
        status=session.status,
        time_zone="UTC",
        starts_at_0=f"{starts_at:%Y-%m-%d}",
        starts_at_1=f"{starts_at:%H:%M:%S}",
        capacity="3",
    )

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(f"/admin/sessions_app/session/{session.pk}/change/", data, follow=True)

    # Saving mails nobody: it points to the promotion page.
    promote_url = f"/admin/sessions_app/session/{session.pk}/promote/"
    notes = [str(message) for message in saved.context["messages"]]
    assert any(promote_url in note for note in notes), re.findall(
        r'class="errorlist[^"]*">(.*?)</ul>', saved.content.decode()
    )
    assert Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED).count() == 3
    assert mail.outbox == []

    page = client.get(promote_url)
    body = page.content.decode()
    assert page.context["by_language"] == [("Spanish", 2)]
    assert [registration.email for registration in page.context["candidates"]] == [waiting[0].email, waiting[1].email]
    assert [preview["subject"] for preview in page.context["previews"]] == [
        "Se ha liberado una plaza para usted: Mecanismos inclusivos"
    ]
    assert 'name="confirmed" value="yes"' in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(promote_url, {"confirmed": "yes"}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert "2 people moved from the waiting list to confirmed." in messages
    statuses = dict(Registration.objects.filter(session=session).values_list("email", "status"))
    assert statuses == {
        "seated@example.org": "confirmed",
        waiting[0].email: "confirmed",
        waiting[1].email: "confirmed",
        waiting[2].email: "waitlisted",
    }
    assert sorted(message.to[0] for message in mail.outbox) == [waiting[0].email, waiting[1].email]
