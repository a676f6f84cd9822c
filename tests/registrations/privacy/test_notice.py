"""Consent that is true, and the privacy notice it refers to."""

import pytest
from django.core import mail

from registrations import consent
from registrations.focal_points.nominations import nominate
from registrations.models import PrivacyNotice, Registration
from registrations.privacy import notice as notices
from tests.factories import InstitutionFactory, RegistrationFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def publish_new_version(staff, **changes):
    draft = notices.new_draft_from(consent.current_notice())
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.save()
    return notices.publish_notice(notice=draft, user=staff)


def test_a_nominated_person_has_no_consent_until_they_accept_the_version_they_saw(
    client, session, focal_point_uruguay, staff
):
    institution = InstitutionFactory(country="UY", verified=True)
    registration = nominate(
        session=session,
        focal_point=focal_point_uruguay,
        data={"full_name": "Ana Souza", "email": "ana@example.org", "institution": institution, "language": "en"},
    )
    registration.refresh_from_db()
    assert (registration.consent_text_version, registration.consent_given_at, registration.contact_opt_in) == (
        "",
        None,
        False,
    )

    page = client.get(f"/en/registrations/r/{registration.token}/confirm/")
    assert page.context["notice"].version == 1
    html = page.content.decode()
    assert "The focal point of Uruguay registered you for this session." in html
    assert 'data-version="1"' in html
    # Staff publish a new notice while the page is open: the person saw (and accepts) version 1.
    assert publish_new_version(staff, body_en="## New\nA new text.").version == 2

    refused = client.post(f"/en/registrations/r/{registration.token}/confirm/", {"notice_version": "1"})
    registration.refresh_from_db()
    assert refused.status_code == 200
    assert refused.context["consent_form"].errors["consent"] == ["Confirming needs your consent to the privacy notice."]
    assert (registration.status, registration.consent_given_at) == (Registration.Status.PENDING, None)

    client.post(f"/en/registrations/r/{registration.token}/confirm/", {"notice_version": "1", "consent": "on"})

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.consent_text_version == "1"
    assert registration.consent_given_at is not None
    assert registration.contact_opt_in is False


def test_the_private_page_of_an_unconsented_person_sends_them_to_the_notice(client, session):
    registration = RegistrationFactory(
        session=session, source=Registration.Source.STAFF, consent_text_version="", consent_given_at=None
    )

    html = client.get(f"/en/registrations/r/{registration.token}/").content.decode()
    client.post(f"/en/registrations/r/{registration.token}/confirm/")

    assert html.count('id="confirm-link"') == 1
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.PENDING


def test_staff_cannot_consent_nor_opt_in_for_someone_else(staff, client, session):
    client.force_login(staff)
    data = {**form_data(email="staffadded@example.org"), "session": session.pk, "contact_opt_in": "on"}
    del data["consent"]

    response = client.post("/admin/registrations/registration/add/", data)

    assert response.status_code == 302
    registration = Registration.objects.get(email="staffadded@example.org")
    assert (registration.source, registration.registered_by) == (Registration.Source.STAFF, staff)
    assert (registration.consent_given_at, registration.contact_opt_in) == (None, False)


def test_self_registration_records_the_version_shown_in_the_form(client, session, staff):
    form_page = client.get(f"/en/registrations/sessions/{session.slug}/register/")
    assert form_page.context["form"]["notice_version"].value() == 1
    publish_new_version(staff)

    client.post(
        f"/en/registrations/sessions/{session.slug}/register/",
        {**form_data(email="self@example.org"), "notice_version": "1"},
    )

    registration = Registration.objects.get(email="self@example.org")
    assert (registration.consent_text_version, registration.contact_opt_in) == ("1", False)


def test_the_notice_renders_the_retention_settings_and_keeps_old_versions_readable(client, settings, staff):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365
    settings.PENDING_REGISTRATION_DAYS = 7
    publish_new_version(staff, body_es="## Nuevo\nTexto nuevo.")

    current = client.get("/es/privacy/")
    old = client.get("/es/privacy/v1/")

    html = current.content.decode()
    assert current.context["notice"].version == 2
    assert "365 días después de lo último que le ocurrió a su inscripción" in html
    assert "no se confirma en 7 días" in html
    assert "Texto nuevo." in html
    assert old.context["notice"].version == 1
    assert "Esta versión ya no está en vigor." in old.content.decode()
    assert client.get("/es/privacy/v99/").status_code == 404


def test_every_page_footer_and_every_email_link_the_notice(
    client, session, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.org"
    home = client.get("/pt/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/pt/registrations/sessions/{session.slug}/register/", form_data(email="a@example.org", language="pt")
        )

    assert '<a href="/pt/privacy/" id="footer-privacy">' in home
    message = mail.outbox[-1]
    assert "https://portal.example.org/pt/privacy/" in message.body
    assert "https://portal.example.org/pt/privacy/" in message.alternatives[0][0]


def test_a_published_notice_cannot_be_edited_or_deleted_in_the_admin(client, staff):
    client.force_login(staff)
    notice = PrivacyNotice.objects.get(version=1)

    page = client.get(f"/admin/registrations/privacynotice/{notice.pk}/change/")

    assert "body_en" not in page.context["adminform"].form.fields
    assert client.get(f"/admin/registrations/privacynotice/{notice.pk}/delete/").status_code == 403
