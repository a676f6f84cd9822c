"""What the private page offers is what the server accepts: every hidden action is refused on POST.

The matrix below crosses the registration statuses with the session's moments. For each pair the
page is read as the person sees it; then every action is attempted by a direct request, as
someone replaying an old form would. A hidden action leaves the database exactly as it was.
"""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from registrations.models import Registration
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db

Status = Registration.Status

MOMENTS = {
    "open": {"status": Session.Status.REGISTRATION_OPEN, "starts_in": timedelta(days=30)},
    "closed": {"status": Session.Status.REGISTRATION_CLOSED, "starts_in": timedelta(days=30)},
    "held": {"status": Session.Status.HELD, "starts_in": -timedelta(days=30)},
    "cancelled": {"status": Session.Status.CANCELLED, "starts_in": timedelta(days=30)},
}
STATUSES = [Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED, Status.ATTENDED]

# The marks each action leaves on the private page (any of them offers it); ``_attempt`` performs it.
# Confirming and registering again are one request, offered by either button.
PAGE_MARKS = {
    "confirm": ("Confirm my registration", "Register again"),
    "change": ('id="details-title"',),
    "cancel": ('id="cancel-title"',),
    "calendar": ('id="ics-download"',),
}


def _registration(moment, status):
    spec = MOMENTS[moment]
    session = SessionFactory(status=spec["status"], starts_at=timezone.now() + spec["starts_in"], capacity=10)
    now = timezone.now()
    stamps = {
        Status.CONFIRMED: {"confirmed_at": now},
        Status.ATTENDED: {"confirmed_at": now},
        Status.WAITLISTED: {"waitlisted_at": now},
        Status.CANCELLED: {"cancelled_at": now},
    }.get(status, {})
    return RegistrationFactory(session=session, status=status, **stamps)


def _snapshot(registration):
    fresh = Registration.objects.get(pk=registration.pk)
    return model_to_dict(fresh, exclude=["id"]) | {"updated_at": fresh.updated_at}


def _attempt(client, registration, action):
    base = f"/en/registrations/r/{registration.token}/"
    if action == "confirm":
        return client.post(f"{base}confirm/")
    if action == "cancel":
        return client.post(f"{base}cancel/")
    if action == "change":
        data = form_data(email=registration.email, full_name="Someone Else Entirely")
        return client.post(base, {key: value for key, value in data.items() if key != "email"})
    return client.get(f"{base}calendar.ics")


CASES = [(moment, status) for moment in MOMENTS for status in STATUSES]


@pytest.mark.parametrize(("moment", "status"), CASES, ids=[f"{m}-{s}" for m, s in CASES])
def test_every_action_the_private_page_hides_is_refused_and_changes_nothing(client, moment, status):
    registration = _registration(moment, status)
    page = client.get(f"/en/registrations/r/{registration.token}/").content.decode()
    hidden = [action for action, marks in PAGE_MARKS.items() if not any(mark in page for mark in marks)]

    for action in hidden:
        before = _snapshot(registration)

        response = _attempt(client, registration, action)

        assert _snapshot(registration) == before, f"{action} changed a registration whose page hides it"
        if action == "calendar":
            assert response.status_code == 404
        else:
            assert response.status_code == 302
            assert response["Location"] == registration.get_absolute_url()


def test_an_attended_person_of_a_held_session_cannot_cancel_by_posting_and_is_told_why(client):
    registration = _registration("held", Status.ATTENDED)
    page = client.get(f"/en/registrations/r/{registration.token}/").content.decode()

    response = client.post(f"/en/registrations/r/{registration.token}/cancel/", follow=True)

    assert PAGE_MARKS["cancel"][0] not in page
    assert Registration.objects.get(pk=registration.pk).status == Status.ATTENDED
    assert [str(message) for message in response.context["messages"]] == [
        "This registration can no longer be cancelled."
    ]


def test_what_the_page_offers_is_accepted(client):
    registration = _registration("open", Status.CONFIRMED)
    page = client.get(f"/en/registrations/r/{registration.token}/").content.decode()

    changed = _attempt(client, registration, "change")
    cancelled = _attempt(client, registration, "cancel")

    assert PAGE_MARKS["change"][0] in page and PAGE_MARKS["cancel"][0] in page
    assert changed.status_code == cancelled.status_code == 302
    stored = Registration.objects.get(pk=registration.pk)
    assert (stored.full_name, stored.status) == ("Someone Else Entirely", Status.CANCELLED)


@pytest.mark.parametrize("moment", ["closed", "held", "cancelled"])
def test_a_cancelled_person_cannot_rejoin_outside_the_registration_window(client, moment):
    registration = _registration(moment, Status.CANCELLED)

    _attempt(client, registration, "confirm")

    assert Registration.objects.get(pk=registration.pk).status == Status.CANCELLED
