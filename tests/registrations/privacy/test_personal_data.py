"""A person's data: the export holds all of it and nobody else's; erasure leaves none of it behind."""

import io
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from registrations.models import Delivery, Mailing, Registration, Suppression
from registrations.outbox import sending, suppression
from registrations.privacy import personal_data
from sessions_app.models import Certificate, Document, Session
from sessions_app.outcomes.certificates import issue_certificate
from tests.factories import (
    DeliveryFactory,
    InstitutionFactory,
    MailingFactory,
    RegistrationFactory,
    SessionFactory,
)
from tests.registrations.helpers import stored_certificate

pytestmark = pytest.mark.django_db

Status = Registration.Status
EMAIL = "Maria.Goncalves@Example.org"
NAME = "Maria Gonçalves da Silva"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def held_session(**fields):
    return SessionFactory(
        starts_at=timezone.now() - timedelta(days=3), status=Session.Status.HELD, capacity=10, **fields
    )


def certificate(registration, text):
    document = stored_certificate(registration, text.encode())
    issue_certificate(registration=registration)  # its verification code
    return document


@pytest.fixture
def maria():
    """Two registrations (a held session she attended, with a certificate, and an upcoming one where
    she holds the last seat), e-mails of both kinds, and a neighbour in each session."""
    institution = InstitutionFactory(country="BR", kind="health")
    past = held_session(title="Sesión 1")
    upcoming = SessionFactory(title="Sesión 2", capacity=2)
    attended = RegistrationFactory(
        session=past,
        email=EMAIL,
        full_name=NAME,
        position="Coordenadora",
        institution=institution,
        country="BR",
        gender="woman",
        accessibility_needs="Intérprete de Libras",
        status=Status.ATTENDED,
        attended_minutes=85,
        contact_opt_in=True,
    )
    seated = RegistrationFactory(
        session=upcoming,
        email=EMAIL.lower(),
        full_name=NAME,
        country="BR",
        gender="woman",
        status=Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    others = {
        "past": RegistrationFactory(
            session=past,
            email="jose@example.org",
            full_name="José Pérez",
            country="MX",
            gender="man",
            status=Status.ATTENDED,
        ),
        "seated": RegistrationFactory(
            session=upcoming,
            email="ana@example.org",
            full_name="Ana Ruiz",
            country="UY",
            status=Status.CONFIRMED,
            confirmed_at=timezone.now(),
        ),
        "waiting": RegistrationFactory(
            session=upcoming,
            email="lia@example.org",
            full_name="Lia Souza",
            country="BR",
            status=Status.WAITLISTED,
            waitlisted_at=timezone.now(),
        ),
    }
    mailing = MailingFactory(session=past, kind=Mailing.Kind.CUSTOM)
    DeliveryFactory(
        registration=attended,
        to_email=EMAIL,
        body_text=f"Dear {NAME}, your link …",
        status="sent",
        subject=f"Hello {NAME}",
    )
    DeliveryFactory(mailing=mailing, to_email=EMAIL.upper(), body_text=f"Dear {NAME}", subject="News", status="sent")
    DeliveryFactory(registration=others["past"], to_email="jose@example.org", body_text="Dear José")
    certificate(attended, f"Certificate of participation: {NAME}")
    return {"attended": attended, "seated": seated, "others": others, "mailing": mailing}


def test_export_holds_every_stored_field_of_the_person_and_nothing_of_anyone_else(client, maria):
    attended, seated = maria["attended"], maria["seated"]

    response = client.get(f"/en/registrations/r/{attended.token}/my-data/?format=json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    assert [item["id"] for item in data["registrations"]] == [attended.pk, seated.pk]
    stored = Registration.objects.get(pk=attended.pk)
    record = data["registrations"][0]
    for field in Registration._meta.concrete_fields:
        assert (field.name in record) == (field.name not in personal_data.SECRET_FIELDS), field.name
    assert (record["email"], record["full_name"], record["position"], record["accessibility_needs"]) == (
        EMAIL,
        NAME,
        "Coordenadora",
        "Intérprete de Libras",
    )
    assert (record["country"], record["gender"], record["attended_minutes"], record["attended"]) == (
        "BR",
        "woman",
        85,
        True,
    )
    assert record["consent_given_at"] == stored.consent_given_at.isoformat()
    assert record["institution"] == str(stored.institution)
    assert record["session"]["title"] == "Sesión 1"
    assert sorted(delivery["to_email"] for delivery in data["deliveries"]) == sorted([EMAIL, EMAIL.upper()])
    assert all("body_text" not in delivery for delivery in data["deliveries"])
    assert [(item["registration"], item["language"]) for item in data["certificates"]] == [(attended.pk, "es")]
    text = response.content.decode().lower()
    for other in maria["others"].values():
        assert other.email not in text
        assert other.full_name.lower() not in text


def test_the_readable_page_shows_the_same_data(client, maria):
    response = client.get(f"/es/registrations/r/{maria['attended'].token}/my-data/")

    page = response.content.decode()
    assert response.context["data"]["email"] == EMAIL
    assert page.count('class="my-data-record my-data-registration"') == 2
    assert "Intérprete de Libras" in page
    assert "José Pérez" not in page


def _statistics():
    rows = Registration.objects.values_list("session_id", "country", "gender", "status")
    by_country = Counter((session, country) for session, country, _gender, _status in rows)
    by_gender = Counter((session, gender) for session, _country, gender, _status in rows)
    attended = Counter(session for session, _country, _gender, status in rows if status == Status.ATTENDED)
    return by_country, by_gender, attended


def test_after_erasure_a_dump_of_the_whole_database_holds_neither_the_address_nor_the_name(
    client, maria, staff, django_capture_on_commit_callbacks
):
    attended, seated, waiting = maria["attended"], maria["seated"], maria["others"]["waiting"]
    # A staff edit in the admin: the audit log and the admin history quote the name and address.
    staff_client = client.__class__()
    staff_client.force_login(staff)
    change = staff_client.get(f"/admin/registrations/registration/{attended.pk}/change/")
    form = {
        key: value
        for key, value in change.context["adminform"].form.initial.items()
        if value is not None and key in change.context["adminform"].form.fields
    }
    form.update(
        {"full_name": NAME, "position": "Coordenadora-geral", "country": "BR", "institution": attended.institution_id}
    )
    assert staff_client.post(f"/admin/registrations/registration/{attended.pk}/change/", form).status_code == 302
    cert_name = Document.objects.get(registration=attended).file.name
    code = Certificate.objects.get(registration=attended).code
    assert client.get(f"/es/certificates/{code}/").status_code == 200
    before = _statistics()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/es/registrations/r/{attended.token}/my-data/delete/", follow=True)

    assert response.redirect_chain[-1][0] == "/es/registrations/data-deleted/"
    assert [str(message) for message in response.context["messages"]] == [
        "Sus datos personales se han eliminado de 2 inscripciones."
    ]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue().lower()
    assert EMAIL.lower() not in text
    assert NAME.lower() not in text
    assert "maria gon" not in text and "coordenadora" not in text and "libras" not in text
    assert not default_storage.exists(cert_name)
    assert Document.objects.filter(kind=Document.Kind.CERTIFICATE).count() == 0
    # Nobody can check a certificate that no longer exists.
    assert Certificate.objects.count() == 0
    assert client.get(f"/es/certificates/{code}/").status_code == 404
    # The statistics by country and gender (and attendance) are what they were.
    assert _statistics() == before
    # The freed seat went to the waiting list, as for a cancellation.
    assert Registration.objects.get(pk=seated.pk).status == Status.CANCELLED
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    # Only a keyed hash of the address is left, so no mailing reaches it again.
    suppressed = Suppression.objects.get(reason=Suppression.Reason.ERASED)
    assert (suppressed.email, suppressed.email_hash) == ("", suppression.address_hash(EMAIL))
    # Others keep their data.
    assert Registration.objects.get(pk=maria["others"]["past"].pk).full_name == "José Pérez"
    assert Delivery.objects.filter(to_email="jose@example.org").get().body_text == "Dear José"


@pytest.mark.parametrize("path", ["", "my-data/", "my-data/?format=json", "my-data/delete/", "confirm/"])
def test_an_erased_token_is_the_same_neutral_404_as_any_wrong_token(client, maria, path):
    token = maria["attended"].token
    personal_data.erase_personal_data(registration=maria["attended"])

    erased = client.get(f"/en/registrations/r/{token}/{path}")
    unknown = client.get(f"/en/registrations/r/{'x' * 43}/{path}")

    assert erased.status_code == unknown.status_code == 404

    # The same page, but for the address itself (the language switcher links to it) and its CSRF token.
    def neutral(response, typed):
        return re.sub(r'value="[\w-]{64}"', "", response.content.decode().replace(typed, "T"))

    assert neutral(erased, token) == neutral(unknown, "x" * 43)


def test_deleting_asks_first_and_running_it_twice_changes_nothing_more(client, maria):
    token = maria["attended"].token

    page = client.get(f"/en/registrations/r/{token}/my-data/delete/").content.decode()
    assert Registration.objects.filter(email__iexact=EMAIL).count() == 2  # nothing erased by looking
    assert page.count("<li>Sesión") == 2

    first = personal_data.erase_personal_data(registration=maria["attended"])
    snapshot = list(Registration.objects.order_by("pk").values())
    second = personal_data.erase_personal_data(registration=Registration.objects.get(pk=maria["attended"].pk))

    assert (first.registrations, second.registrations) == (2, 0)
    assert list(Registration.objects.order_by("pk").values()) == snapshot


def test_a_mailing_built_while_the_erasure_ran_sends_nothing_and_keeps_nothing(maria, mailoutbox):
    personal_data.erase_personal_data(registration=maria["attended"])
    # The mailing's builder had read the address before the erasure committed.
    late = Delivery.objects.create(
        key="mailing:late",
        kind="custom",
        mailing=maria["mailing"],
        to_email=EMAIL,
        subject=f"Hi {NAME}",
        body_text=f"Dear {NAME}",
    )

    sending.send_delivery(delivery_id=late.pk)

    late.refresh_from_db()
    assert (late.status, late.to_email, late.body_text, late.subject) == (Delivery.Status.SUPPRESSED, "", "", "")
    assert mailoutbox == []


def test_confirming_after_the_erasure_finds_nothing(client, maria):
    pending = RegistrationFactory(email=EMAIL, full_name=NAME, status=Status.PENDING)
    token = pending.token
    personal_data.erase_personal_data(registration=pending)

    response = client.post(f"/en/registrations/r/{token}/confirm/")

    assert response.status_code == 404
    assert Registration.objects.get(pk=pending.pk).status == Status.CANCELLED


def test_registering_again_after_erasure_lifts_the_suppression_once_the_person_confirms(maria, client):
    from registrations import registering
    from tests.registrations.helpers import person

    personal_data.erase_personal_data(registration=maria["attended"])
    assert suppression.is_suppressed(EMAIL)

    # Anyone can type an address into the form: that alone does not undo the erasure's suppression.
    again = registering.register_participant(session=SessionFactory(), data=person(EMAIL.upper()))
    assert suppression.is_suppressed(EMAIL)

    # The person clicks the e-mailed link: the address is theirs, and they want our mail again.
    response = client.post(f"/en/registrations/r/{again.token}/confirm/")

    assert response.status_code == 302
    assert Registration.objects.get(pk=again.pk).status == Status.CONFIRMED
    assert not suppression.is_suppressed(EMAIL)


def test_staff_confirming_a_registration_leaves_the_erasure_suppression(maria):
    from registrations import registering, seats
    from tests.registrations.helpers import person

    personal_data.erase_personal_data(registration=maria["attended"])
    again = registering.register_participant(session=SessionFactory(), data=person(EMAIL))

    seats.confirm_registration(registration=again, by_staff=True)

    assert Registration.objects.get(pk=again.pk).status == Status.CONFIRMED
    assert suppression.is_suppressed(EMAIL)


def test_the_readable_page_speaks_the_person_s_language_and_time(client, maria):
    """No raw codes, no ISO timestamps, no untranslated label: their words, their language, their zone."""
    registration = maria["attended"]
    Registration.objects.filter(pk=registration.pk).update(time_zone="America/Sao_Paulo")
    DeliveryFactory(
        registration=registration,
        to_email=registration.email,
        kind="registration_confirm",
        status="sent",
        sent_at=datetime(2026, 3, 2, 13, 5, tzinfo=UTC),
    )

    page = client.get(f"/es/registrations/r/{registration.token}/my-data/").content.decode()

    for raw in ("registration_confirm", ">sent<", "Updated at", "updated at", "T13:05", "+00:00"):
        assert raw not in page
    rows = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)
    confirm = rows.index(("Mensaje", "Confirme su inscripción"))
    assert rows[confirm + 1 :][:4] == [
        ("Asunto", "News from the working group"),
        ("Estado", "Enviado"),
        rows[confirm + 3],
        ("Enviado", "Lunes, 2 de marzo de 2026, 10:05 (hora de Brasilia, São Paulo, Río de Janeiro, UTC-03:00)"),
    ]
    assert "Última modificación" in [label for label, _value in rows]


def test_the_json_download_is_no_key_to_the_registration(client):
    registration = RegistrationFactory(legacy_token_hash="0" * 64)
    key = registration.token

    response = client.get(f"/en/registrations/r/{key}/my-data/?format=json")
    page = client.get(f"/en/registrations/r/{key}/my-data/")

    text = response.content.decode()
    assert json.loads(text)["registrations"][0]["email"] == registration.email
    for secret in (key, registration.link_nonce, registration.legacy_token_hash):
        assert secret not in text
        assert secret not in page.content.decode().replace(f"/r/{key}/", "/r/KEY/")
