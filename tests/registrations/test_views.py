import re

import pytest
from django.urls import reverse

from registrations import seats
from registrations.models import Delivery, Registration
from sessions_app.models import Session
from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def register_url(session, language="es"):
    return f"/{language}/registrations/sessions/{session.slug}/register/"


def manage_url(registration, language="es"):
    return f"/{language}/registrations/r/{registration.token}/"


def test_registering_in_spanish_stores_the_registration_and_shows_check_your_email(client, session):
    response = client.post(register_url(session), form_data("Maria@Example.org"), follow=True)

    assert response.redirect_chain == [(f"/es/registrations/sessions/{session.slug}/register/done/", 302)]
    assert "Revise su correo" in response.content.decode()
    registration = Registration.objects.get()
    assert (registration.email, registration.full_name, registration.status) == (
        "Maria@Example.org",
        "María José O'Connor-Núñez",
        Registration.Status.PENDING,
    )
    assert Delivery.objects.get().language == "es"


def test_registering_an_address_again_shows_the_same_page_and_creates_nothing(client, session):
    RegistrationFactory(session=session, email="maria@example.org", status=Registration.Status.CONFIRMED)

    response = client.post(register_url(session), form_data("MARIA@example.org"), follow=True)

    assert response.redirect_chain == [(f"/es/registrations/sessions/{session.slug}/register/done/", 302)]
    assert Registration.objects.count() == 1
    assert list(Delivery.objects.values_list("kind", flat=True)) == ["registration_link"]


@pytest.mark.parametrize(
    "name",
    ["Zoë D'Alembert", "Nguyễn Thị Minh Khai", "Алексей Иванов", "محمد الأحمد", "王小明", "Ngũgĩ wa Thiong'o"],
)
def test_names_in_any_script_are_accepted(client, session, name):
    client.post(register_url(session), form_data(full_name=name))

    assert Registration.objects.get().full_name == name


def test_a_line_break_in_the_name_is_refused_with_a_message_in_spanish(client, session):
    response = client.post(register_url(session), form_data(full_name="Ana\r\nBcc: victim@example.org"))

    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [
        "Escríbalo en una sola línea, sin saltos de línea ni caracteres de control."
    ]
    assert Registration.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_oversized_input_is_refused(client, session):
    response = client.post(register_url(session), form_data(full_name="A" * 201, accessibility_needs="x" * 5000))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "accessibility_needs"}
    assert Registration.objects.count() == 0


def test_consent_is_required_and_contact_opt_in_is_unticked(client, session):
    data = form_data()
    del data["consent"]

    response = client.post(register_url(session), data)

    assert response.context["form"].errors["consent"] == [
        "La inscripción requiere su consentimiento al aviso de privacidad."
    ]
    assert client.get(register_url(session)).context["form"]["contact_opt_in"].value() in (None, False)


def test_an_institution_from_the_register_can_be_picked(client, session):
    institution = InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", verified=True)

    client.post(register_url(session), form_data(institution=str(institution.pk), institution_name=""))

    assert Registration.objects.get().institution == institution


def test_an_unverified_institution_cannot_be_picked(client, session):
    institution = InstitutionFactory(verified=False)

    response = client.post(register_url(session), form_data(institution=str(institution.pk)))

    assert list(response.context["form"].errors) == ["institution"]


def test_closed_session_shows_the_message_instead_of_the_form(client):
    session = SessionFactory(status=Session.Status.REGISTRATION_CLOSED)

    page = client.get(register_url(session))
    response = client.post(register_url(session), form_data())

    assert "La inscripción para esta sesión está cerrada." in page.content.decode()
    assert response.context["form"].non_field_errors() == ["La inscripción para esta sesión está cerrada."]
    assert Registration.objects.count() == 0


def test_a_draft_session_has_no_register_page(client):
    session = SessionFactory(status=Session.Status.DRAFT)

    assert client.get(register_url(session)).status_code == 404
    assert client.post(register_url(session), form_data()).status_code == 404
    assert Registration.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_too_many_submissions_from_one_address_get_the_429_page(client, session, settings):
    settings.REGISTRATION_RATE_LIMIT = (3, 600)
    for index in range(3):
        client.post(register_url(session), form_data(f"p{index}@example.org"))

    response = client.post(register_url(session), form_data("late@example.org"))

    assert response.status_code == 429
    assert "Demasiados intentos" in response.content.decode()
    assert Registration.objects.count() == 3


def test_the_confirmation_link_shows_a_button_and_confirming_gives_the_seat(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.PENDING)
    url = f"/es/registrations/r/{registration.token}/confirm/"

    page = client.get(url)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING  # a GET (or a mail scanner) confirms nothing
    assert "Confirmar mi inscripción" in page.content.decode()

    response = client.post(url, follow=True)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    body = response.content.decode()
    assert "Su inscripción está confirmada." in body
    assert session.join_url in body


def test_confirming_when_full_shows_the_waiting_list_position(client):
    session = SessionFactory(capacity=1)
    seats.confirm_registration(registration=RegistrationFactory(session=session, status="pending"))
    registration = RegistrationFactory(session=session, status="pending")

    response = client.post(f"/es/registrations/r/{registration.token}/confirm/", follow=True)

    body = response.content.decode()
    assert "La sesión está completa: usted es el número 1 de la lista de espera." in body
    assert session.join_url not in body


def test_the_private_page_shows_status_and_never_the_join_link_before_confirmation(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.PENDING)

    response = client.get(manage_url(registration))

    body = response.content.decode()
    assert response.context["registration"] == registration
    assert "Pendiente de confirmación" in body
    assert session.join_url not in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_unknown_or_overlong_tokens_are_404(client, session):
    registration = RegistrationFactory(session=session)

    near_miss = client.get(f"/es/registrations/r/{registration.token[:-1]}x/")
    overlong = client.get(f"/es/registrations/r/{'a' * 300}/")

    assert (near_miss.status_code, overlong.status_code) == (404, 404)
    # The page names nobody: a near-miss token reveals nothing about the registration it resembles.
    assert registration.full_name not in near_miss.content.decode()
    assert registration.email not in near_miss.content.decode()


def test_changing_details_saves_them_and_follows_the_new_language(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)
    data = form_data(full_name="Ana Souza", language="pt", time_zone="America/Sao_Paulo")
    del data["email"], data["consent"]

    response = client.post(manage_url(registration), data)

    assert response["Location"].endswith(f"/pt/registrations/r/{registration.token}/")
    registration.refresh_from_db()
    assert (registration.full_name, registration.language, registration.time_zone, registration.status) == (
        "Ana Souza",
        "pt",
        "America/Sao_Paulo",
        Registration.Status.CONFIRMED,
    )


def test_cancel_from_the_private_page_promotes_the_waiting_person(client):
    session = SessionFactory(capacity=1)
    holder, waiting = (RegistrationFactory(session=session, status="pending") for _ in range(2))
    seats.confirm_registration(registration=holder)
    seats.confirm_registration(registration=waiting)

    response = client.post(f"/es/registrations/r/{holder.token}/cancel/", follow=True)

    assert "Su inscripción ha sido cancelada." in response.content.decode()
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert (holder.status, waiting.status) == ("cancelled", "confirmed")


def test_cancel_needs_a_post(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)

    assert client.get(f"/es/registrations/r/{registration.token}/cancel/").status_code == 405
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_the_session_page_box_links_to_the_register_page_while_open(client, session):
    """The session page is cached for everyone: it carries a link to the form, never the form."""
    response = client.get(session.get_absolute_url().replace("/en/", "/es/"))

    body = response.content.decode()
    assert re.findall(r'<a class="btn btn-primary" href="([^"]+)">Inscribirme</a>', body) == [
        f"/es/registrations/sessions/{session.slug}/register/"
    ]
    assert 'name="consent"' not in body
    assert "csrfmiddlewaretoken" not in body


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Session.Status.REGISTRATION_CLOSED, "La inscripción para esta sesión está cerrada."),
        (Session.Status.CANCELLED, "Esta sesión ha sido cancelada."),
        (Session.Status.PUBLISHED, "La inscripción para esta sesión aún no está abierta."),
    ],
)
def test_the_session_page_box_explains_why_registration_is_not_possible(client, status, message):
    session = SessionFactory(status=status)

    body = client.get(f"/es/sessions/{session.slug}/").content.decode()

    assert message in body
    assert 'name="consent"' not in body


def test_the_session_page_box_warns_when_full(client):
    session = SessionFactory(capacity=1)
    seats.confirm_registration(registration=RegistrationFactory(session=session, status="pending"))

    body = client.get(f"/es/sessions/{session.slug}/").content.decode()

    assert "Esta sesión está completa." in body
    assert f'href="/es/registrations/sessions/{session.slug}/register/">Inscribirme</a>' in body


def test_a_lock_timeout_gives_the_try_again_page(client, session, monkeypatch):
    registration = RegistrationFactory(session=session, status="pending")

    def busy(session_id):
        raise seats.SessionBusy()

    # Simulates the lock wait running out; the real timeout is exercised on PostgreSQL in test_concurrency.
    monkeypatch.setattr(seats, "lock_session", busy)
    response = client.post(f"/es/registrations/r/{registration.token}/confirm/")

    assert response.status_code == 503
    assert "Por favor, inténtelo de nuevo" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING


@pytest.mark.parametrize("count", [1, 8])
def test_private_page_query_count_does_not_grow(client, django_assert_num_queries, count):
    session = SessionFactory(capacity=1)
    InstitutionFactory.create_batch(count, verified=True)
    people = [RegistrationFactory(session=session, status="pending") for _ in range(count + 1)]
    for registration in people:
        seats.confirm_registration(registration=registration)
    last = people[-1]

    with django_assert_num_queries(4):
        response = client.get(manage_url(last))

    assert response.context["position"] == count


def test_reverse_names_exist(session):
    registration = RegistrationFactory(session=session)

    assert reverse("registrations:manage", kwargs={"token": registration.token}).endswith(f"/r/{registration.token}/")


def test_a_person_nominated_with_an_unverified_institution_can_still_save_their_details(client, session):
    institution = InstitutionFactory(verified=False, name="Centro Juvenil")
    registration = RegistrationFactory(session=session, institution=institution, status="confirmed")
    data = form_data(institution=str(institution.pk), institution_name="", position="Directora")
    del data["email"], data["consent"]

    response = client.post(manage_url(registration), data)

    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.institution, registration.position) == (institution, "Directora")
