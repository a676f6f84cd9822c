"""The retention clock starts at the last thing that happened to a registration, not at its session.

Session 2 was held on 10 May 2023; two years later staff can still add people to it, record their
attendance and issue their certificates. None of that may vanish at the next hourly run.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse

from registrations.models import Registration
from registrations.privacy.personal_data import erase_personal_data
from registrations.privacy.retention import apply_retention
from sessions_app.models import Certificate, Document, Session
from sessions_app.outcomes.attendance import set_attendance
from sessions_app.outcomes.certificates import issue_certificate
from tests.factories import RegistrationFactory, SessionFactory
from tests.registrations.helpers import stored_certificate

SESSION_2 = datetime(2023, 5, 10, 13, 30, tzinfo=UTC)
TWO_YEARS_LATER = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def session_2(db):
    return SessionFactory(number=2, starts_at=SESSION_2, status=Session.Status.HELD)


def attended_today(session, **fields):
    """A registration staff add and mark attended today, with its certificate issued today."""
    registration = RegistrationFactory(session=session, status="confirmed", **fields)
    set_attendance(session=session, attended_ids={registration.pk}, minutes_by_id={registration.pk: 85})
    registration.refresh_from_db()
    stored_certificate(registration, b"%PDF certificate")
    return registration, issue_certificate(registration=registration)


@pytest.mark.django_db
def test_a_registration_of_a_two_year_old_session_marked_attended_today_survives_retention(session_2, client):
    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        registration, certificate = attended_today(session_2, full_name="Ana Souza Lima")

    with time_machine.travel(TWO_YEARS_LATER + timedelta(hours=1), tick=False):
        report = apply_retention()
        page = client.get(f"/en/certificates/{certificate.code}/")

    registration.refresh_from_db()
    assert report.anonymised_registrations == 0
    assert (registration.full_name, registration.status, registration.anonymised_at) == (
        "Ana Souza Lima",
        "attended",
        None,
    )
    assert page.status_code == 200
    assert "This certificate is genuine." in page.content.decode()


@pytest.mark.django_db
def test_a_registration_untouched_since_an_old_session_is_still_anonymised(session_2):
    with time_machine.travel(SESSION_2 + timedelta(days=1), tick=False):
        registration = RegistrationFactory(session=session_2, status="attended")

    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        report = apply_retention()

    registration.refresh_from_db()
    assert report.anonymised_registrations == 1
    assert (registration.full_name, registration.email, registration.token) == ("", "", None)


@pytest.mark.django_db
def test_after_its_own_window_the_certificate_keeps_exactly_its_verification_record(
    session_2, client, settings, django_capture_on_commit_callbacks
):
    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        registration, certificate = attended_today(session_2, full_name="Ana Souza Lima")
    file_name = Document.objects.get(registration=registration).file.name

    with (
        time_machine.travel(TWO_YEARS_LATER + timedelta(days=731), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = apply_retention()
        page = client.get(f"/en/certificates/{certificate.code}/").content.decode()

    registration.refresh_from_db()
    assert report.anonymised_registrations == 1
    assert (registration.full_name, registration.email) == ("", "")
    # The PDF and its document row are gone; the record the notice describes stays, and the page says so.
    assert Document.objects.filter(registration=registration).count() == 0
    assert default_storage.exists(file_name) is False
    kept = Certificate.objects.values("code", "holder_initials", "issued_at", "registration_id").get()
    assert kept == {
        "code": certificate.code,
        "holder_initials": "A. S. L.",
        "issued_at": TWO_YEARS_LATER,
        "registration_id": registration.pk,
    }
    assert re.search(r"Holder's initials</dt><dd[^>]*>(.*?)</dd>", page).group(1) == "A. S. L."

    # ... until CERTIFICATE_RECORD_DAYS after issue.
    with time_machine.travel(TWO_YEARS_LATER + timedelta(days=settings.CERTIFICATE_RECORD_DAYS + 1), tick=False):
        report = apply_retention()
        gone = client.get(f"/en/certificates/{certificate.code}/")
    assert report.expired_certificate_records == 1
    assert gone.status_code == 404


@pytest.mark.django_db
def test_an_erasure_the_person_asks_for_takes_the_verification_record_too(session_2, client):
    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        registration, certificate = attended_today(session_2)
        erase_personal_data(registration=registration)

    assert Certificate.objects.count() == 0
    assert client.get(f"/en/certificates/{certificate.code}/").status_code == 404


def shown_deletion_date(client, registration):
    page = client.get(f"/en/registrations/r/{registration.token}/").content.decode()
    text = re.search(r'id="anonymise-on">(.*?)</p>', page, re.S).group(1)
    return datetime.strptime(re.search(r"On (.+?\d{4})", text).group(1), "%d %B %Y").date()


@pytest.mark.django_db
@pytest.mark.parametrize("days_after_session", [1, 700, 729, 730, 900])
def test_the_private_page_never_shows_a_past_deletion_date(session_2, client, settings, days_after_session):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(SESSION_2 + timedelta(hours=3), tick=False):
        registration = RegistrationFactory(session=session_2, status="attended")
    today = SESSION_2 + timedelta(days=days_after_session)

    with time_machine.travel(today, tick=False):
        shown = shown_deletion_date(client, registration)

    assert shown >= today.date()


@pytest.mark.django_db
def test_the_private_page_counts_from_the_last_thing_that_happened(session_2, client):
    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        registration, _certificate = attended_today(session_2)
        shown = shown_deletion_date(client, registration)

    assert shown == (TWO_YEARS_LATER + timedelta(days=730)).date()


@pytest.mark.django_db
def test_staff_are_warned_before_they_act_on_a_session_under_retention(session_2, client, staff):
    with time_machine.travel(TWO_YEARS_LATER, tick=True):
        upcoming = SessionFactory()
        client.force_login(staff)
        attendance = client.get(
            reverse("admin:sessions_app_attendance", kwargs={"session_pk": session_2.pk})
        ).content.decode()
        change = client.get(f"/admin/sessions_app/session/{session_2.pk}/change/").content.decode()
        add = client.get("/admin/registrations/registration/add/").content.decode()
        other = client.get(f"/admin/sessions_app/session/{upcoming.pk}/change/").content.decode()

    warning = "This session ended more than 730 days ago"
    assert attendance.count(warning) == 1
    assert change.count(warning) == 1
    assert add.count(warning) == 1
    assert other.count(warning) == 0


@pytest.mark.django_db
def test_the_privacy_notice_states_what_a_verification_record_keeps_and_for_how_long(client, settings):
    settings.CERTIFICATE_RECORD_DAYS = 3650

    page = client.get("/en/privacy/").content.decode()

    item = re.search(r'<li id="retention-certificate">(.*?)</li>', page, re.S).group(1)
    assert item == (
        "If you received a certificate, its verification record stays so that anyone holding the certificate "
        "can check it: the verification code, your initials, the session and the date of issue, nothing else. "
        "It is deleted 3650 days after the certificate was issued, or at once if you ask us to delete your data."
    )


@pytest.mark.django_db
def test_the_verification_page_shows_only_what_the_record_keeps(session_2, client):
    with time_machine.travel(TWO_YEARS_LATER, tick=False):
        registration, certificate = attended_today(session_2, full_name="Ana Souza Lima", email="ana@example.org")
    Registration.objects.filter(pk=registration.pk).update(full_name="")  # as after anonymisation

    page = client.get(f"/en/certificates/{certificate.code}/").content.decode()

    assert "A. S. L." in page
    assert "ana@example.org" not in page
