"""Leaks found by trying the portal as a focal point and as a participant."""

import re

import pytest

from registrations import registering, seats
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.nominations import nominate
from registrations.models import Delivery, Registration
from tests.factories import InstitutionFactory, RegistrationFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


def nominate_ana(session, focal_point):
    institution = InstitutionFactory(country=focal_point.country.code, verified=True)
    return nominate(
        session=session,
        focal_point=focal_point,
        data={"full_name": "Ana", "email": "ANA@example.org", "institution": institution, "language": "es"},
    )


def test_nominating_someone_another_country_registered_reveals_nothing_about_them(
    session, focal_point_uruguay, focal_point_mexico, django_capture_on_commit_callbacks
):
    RegistrationFactory(session=session, email="ana@example.org", full_name="Ana Mexicana", country="MX")

    answer = nominate_ana(session, focal_point_uruguay)

    # What the focal point typed comes back, as for a fresh address; nothing is saved.
    assert (answer.pk, answer.full_name, answer.email) == (None, "Ana", "ANA@example.org")
    assert Registration.objects.filter(session=session).count() == 1
    # The address's owner is told, as when anyone registers an address twice.
    assert list(Delivery.objects.values_list("kind", "to_email")) == [("registration_link", "ana@example.org")]


def nomination_answer(client, session, email):
    from django.urls import reverse

    institution = InstitutionFactory(country="UY", verified=True)
    url = reverse("focal_points:nomination_create", kwargs={"slug": session.slug})
    response = client.post(
        url, {"full_name": "Ana Pérez", "email": email, "institution": institution.pk, "language": "es"}, follow=True
    )
    return response.redirect_chain, [str(message) for message in response.context["messages"]]


def test_the_nomination_answer_is_the_same_page_for_a_registered_and_a_fresh_address(
    session, focal_point_uruguay, client
):
    RegistrationFactory(session=session, email="registered@example.org", full_name="Someone Else", country="MX")
    client.force_login(focal_point_uruguay.user)

    registered = nomination_answer(client, session, "registered@example.org")
    fresh = nomination_answer(client, session, "fresh@example.org")

    assert registered == fresh
    assert fresh[1] == ["Ana Pérez was nominated and will get an e-mail to confirm."]


def test_the_bulk_nomination_answer_is_the_same_for_a_registered_and_a_fresh_address(
    session, focal_point_uruguay, client
):
    from django.urls import reverse

    RegistrationFactory(session=session, email="registered@example.org", full_name="Someone Else", country="MX")
    InstitutionFactory(name="Junta Nacional de Drogas", country="UY", verified=True)
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug})

    def answer(email):
        response = client.post(url, {"rows": f"Ana Pérez,{email},,Junta Nacional de Drogas", "language": "es"})
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        page = page.replace(email, "ADDRESS")
        return [(row.ok, row.errors) for row in response.context["results"]], page

    registered, fresh = answer("registered@example.org"), answer("fresh@example.org")

    assert registered[0] == fresh[0] == [(True, [])]
    assert registered[1] == fresh[1]


def test_attempts_on_someone_else_s_registration_mail_the_address_at_most_once_a_day(
    session, focal_point_uruguay, focal_point_mexico, django_capture_on_commit_callbacks
):
    import time_machine
    from django.utils import timezone

    from tests.factories import SessionFactory

    RegistrationFactory(session=session, email="ana@example.org", country="AR")
    other = SessionFactory()
    RegistrationFactory(session=other, email="Ana@Example.org", country="AR")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(5):
            nominate_ana(session, focal_point_uruguay)
            nominate_ana(session, focal_point_mexico)
            nominate_ana(other, focal_point_uruguay)
        assert Delivery.objects.filter(to_email__iexact="ana@example.org").count() == 1
        clock.shift(timezone.timedelta(days=1))
        nominate_ana(session, focal_point_mexico)
        assert Delivery.objects.filter(to_email__iexact="ana@example.org").count() == 2


def test_nominating_someone_of_one_s_own_country_twice_says_so(session, focal_point_uruguay):
    nominate_ana(session, focal_point_uruguay)

    with pytest.raises(FocalPointError) as refused:
        nominate_ana(session, focal_point_uruguay)

    assert str(refused.value) == "ANA@example.org is already registered for this session."


@pytest.mark.parametrize("status", [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED])
def test_a_seated_or_waiting_person_cannot_move_to_another_country(client, session, status):
    registration = RegistrationFactory(session=session, country="UY", status=status)
    data = form_data(country="MX")
    del data["email"], data["consent"]

    page = client.get(f"/en/registrations/r/{registration.token}/")
    client.post(f"/en/registrations/r/{registration.token}/", data)

    assert page.context["form"].fields["country"].disabled is True
    assert Registration.objects.get(pk=registration.pk).country.code == "UY"
    with pytest.raises(seats.CountryChangeNotAllowed):
        registering.change_details(registration=registration, data={"country": "MX"})


def test_a_pending_person_may_still_correct_their_country(client, session):
    registration = RegistrationFactory(session=session, country="UY", status=Registration.Status.PENDING)
    data = form_data(country="MX")
    del data["email"], data["consent"]

    client.post(f"/en/registrations/r/{registration.token}/", data)

    assert Registration.objects.get(pk=registration.pk).country.code == "MX"


def test_withdrawing_the_contact_opt_in_from_the_private_page_and_from_an_unsubscribe_link(client, session):
    from registrations.campaigns.unsubscribe import unsubscribe_token

    first = RegistrationFactory(session=session, email="ana@example.org", contact_opt_in=True)
    second = RegistrationFactory(email="ANA@example.org", contact_opt_in=True)

    page = client.get(f"/en/registrations/r/{first.token}/").content.decode()
    client.post(f"/en/registrations/r/{first.token}/contact/withdraw/")
    assert page.count('id="withdraw-opt-in"') == 1
    assert list(Registration.objects.order_by("pk").values_list("contact_opt_in", flat=True)) == [False, False]

    Registration.objects.filter(pk=second.pk).update(contact_opt_in=True)
    client.post(f"/en/registrations/unsubscribe/{unsubscribe_token(email='ana@example.org', language='en')}/")
    assert Registration.objects.get(pk=second.pk).contact_opt_in is False
