import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations import seats
from registrations.models import Delivery, Registration
from sessions_app.models import Session
from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory
from tests.registrations.helpers import form_data
from tests.sessions_app.pages import status_and_headings

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


def test_an_institution_of_another_country_than_the_one_chosen_is_refused(client, session):
    institution = InstitutionFactory(country="MX", verified=True)

    response = client.post(register_url(session), form_data(institution=str(institution.pk), country="UY"))

    assert response.context["form"].errors == {"institution": ["Esta institución no es del país que eligió."]}
    assert Registration.objects.count() == 0


def test_the_institution_list_offers_the_countrys_institutions_verified_first_and_other(client, session):
    checked = InstitutionFactory(country="UY", name="Junta Nacional de Drogas", verified=True)
    unchecked = InstitutionFactory(country="UY", name="Archivo General", verified=False)
    mexican = InstitutionFactory(country="MX", name="CONADIC", verified=True)

    choices = client.get(register_url(session)).context["form"].fields["institution"].choices

    groups = dict(choice for choice in choices if isinstance(choice[1], list))
    assert groups == {
        "México": [(str(mexican.pk), "CONADIC")],
        "Uruguay": [(str(checked.pk), "Junta Nacional de Drogas"), (str(unchecked.pk), "Archivo General")],
    }
    assert choices[0] == ("", "—") and choices[-1] == ("other", "Otra (escriba su nombre)")


def test_a_country_with_one_time_zone_needs_no_choice(client, session):
    response = client.post(register_url(session), form_data(country="CO", time_zone=""))

    assert response.status_code == 302
    assert Registration.objects.get().time_zone == "America/Bogota"


def test_a_country_with_several_time_zones_asks_which(client, session):
    response = client.post(register_url(session), form_data(country="BR", time_zone=""))

    assert response.context["form"].errors == {"time_zone": ["Su país tiene varias zonas horarias: elija la suya."]}


def test_the_time_zone_list_has_no_legacy_aliases_and_names_cities(client, session):
    form = client.get(register_url(session)).context["form"]
    groups = dict(choice for choice in form.fields["time_zone"].choices if isinstance(choice[1], list))
    values = {value for options in groups.values() for value, _label in options}

    assert not values & {"Asia/Calcutta", "Brazil/Acre", "America/Buenos_Aires", "US/Eastern", "Etc/GMT+3"}
    assert groups["México"][0] == ("America/Mexico_City", "Ciudad de México")
    assert groups["Colombia"] == [("America/Bogota", "Bogotá")]
    assert [label for _value, label in groups["España"]] == ["Madrid", "Islas Canarias", "Ceuta, Melilla"]
    assert groups["Brasil"][0] == ("America/Sao_Paulo", "Brasilia, São Paulo, Río de Janeiro")


def test_the_country_list_puts_the_groups_countries_first_with_spanish_names(client, session):
    choices = client.get(register_url(session)).context["form"].fields["country"].choices
    names = [name for _code, name in choices]
    brk = names.index("──────────")

    assert names[1:4] == ["Alemania", "Antigua y Barbuda", "Argentina"]
    assert {"Uruguay", "México", "España", "Portugal", "Brasil"} <= set(names[:brk])
    assert "Afganistán" in names[brk:]
    assert dict(choices)["CF"] == "República Centroafricana" and dict(choices)["SZ"] == "Esuatini"


def test_an_error_gives_a_summary_linking_to_each_field_before_the_form(client, session):
    response = client.post(register_url(session), form_data(email="not-an-address", consent=None))

    body = response.content.decode()
    summary = body[body.index('id="error-summary"') : body.index("</div>", body.index('id="error-summary"'))]
    assert summary.count("<li>") == 2
    assert 'href="#id_email"' in summary and 'href="#id_consent"' in summary
    assert body.index('id="error-summary"') < body.index('name="email"')
    # Consent and its error sit right after the privacy notice, not at the bottom of a long form.
    notice, consent = body.index('id="privacy-notice"'), body.index('name="consent"')
    assert notice < body.index("La inscripción requiere su consentimiento", notice) < body.index("</fieldset>", consent)


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


def test_too_many_submissions_from_one_address_get_the_429_page(one_rate_window, client, session, settings):
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


def test_unknown_or_overlong_tokens_get_the_not_found_page(client, session):
    registration = RegistrationFactory(session=session)

    near_miss = client.get(f"/es/registrations/r/{registration.token[:-1]}x/")
    overlong = client.get(f"/es/registrations/r/{'a' * 300}/")

    assert status_and_headings(near_miss) == status_and_headings(overlong) == (404, ["Página no encontrada"])
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


def test_cancel_asks_for_confirmation_first_and_changes_nothing_on_get(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)

    response = client.get(f"/es/registrations/r/{registration.token}/cancel/")

    body = response.content.decode()
    assert response.templates[0].name == "registrations/registration_cancel.html"
    assert "¿Cancelar mi inscripción?" in body
    assert "su plaza pasa a la siguiente persona de la lista de espera" in body
    assert f'action="/es/registrations/r/{registration.token}/cancel/"' in body
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_the_private_page_links_to_the_confirmation_step_not_a_one_click_cancel(client, session):
    registration = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)

    body = client.get(f"/en/registrations/r/{registration.token}/").content.decode()

    assert (
        f'<a id="cancel-link" class="btn btn-outline-danger" href="/en/registrations/r/{registration.token}/cancel/">'
        in body
    )
    assert f'action="/en/registrations/r/{registration.token}/cancel/"' not in body


def test_the_cancel_step_is_not_offered_when_the_person_may_not_cancel(client):
    session = SessionFactory(status=Session.Status.HELD, starts_at=timezone.now() - timedelta(days=3))
    registration = RegistrationFactory(session=session, status=Registration.Status.ATTENDED)

    response = client.get(f"/en/registrations/r/{registration.token}/cancel/")
    private_page = client.get(response["Location"]).content.decode()

    assert (response.status_code, response["Location"]) == (302, registration.get_absolute_url())
    assert f"/registrations/r/{registration.token}/cancel/" not in private_page
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED


def test_the_session_page_has_a_register_button_and_no_form(client, session):
    response = client.get(session.get_absolute_url().replace("/en/", "/es/"))

    body = response.content.decode()
    button = re.search(r'<a id="register-button"[^>]*href="([^"]+)">([^<]+)</a>', body)
    assert button.groups() == (f"/es/registrations/sessions/{session.slug}/register/", "Inscribirme")
    assert 'name="consent"' not in body and 'name="email"' not in body
    # The session page is cached for everyone: no per-visitor token on it.
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


def test_the_register_page_warns_when_full(client):
    session = SessionFactory(capacity=1)
    seats.confirm_registration(registration=RegistrationFactory(session=session, status="pending"))

    body = client.get(register_url(session)).content.decode()

    assert "Esta sesión está completa." in body
    assert 'name="consent"' in body


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

    # The registration (with its session, group and institution), the person's place on the
    # waiting list (one count), and here the form's institutions, which a process keeps between
    # requests but not from inside a transaction (this test's).
    with django_assert_num_queries(3):
        response = client.get(manage_url(last))

    assert response.context["position"] == count


def test_the_private_link_is_the_key_under_r(session):
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
