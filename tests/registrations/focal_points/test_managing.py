"""Focal points manage what they create: nominations (edit, withdraw, send again), their country's
registrations (by session, exported), and the register (delete an unused entry, merge duplicates,
duplicates written in another language)."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registrations.focal_points.institutions import find_duplicate_institution
from registrations.focal_points.managing import likely_duplicates
from registrations.focal_points.nominations import nominate
from registrations.models import Delivery, Institution, Registration
from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory


@pytest.fixture
def nomination(focal_point_uruguay):
    session = SessionFactory(slug="alternativas", title="Alternativas")
    institution = InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    return nominate(
        session=session,
        focal_point=focal_point_uruguay,
        data={"full_name": "Ana Pérez", "email": "ana@example.org", "institution": institution, "language": "es"},
    )


def url(name, pk):
    return reverse(f"focal_points:{name}", kwargs={"pk": pk})


def test_a_focal_point_edits_their_nominee(client, focal_point_uruguay, nomination):
    other = InstitutionFactory(name="Ministerio de Salud Pública", country="UY")
    client.force_login(focal_point_uruguay.user)

    response = client.post(
        url("nomination_edit", nomination.pk),
        {"full_name": "  Ana  Pérez Gómez ", "position": "Asesora", "institution": other.pk, "language": "pt"},
    )

    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.full_name, nomination.position, nomination.institution, nomination.language) == (
        "Ana Pérez Gómez",
        "Asesora",
        other,
        "pt",
    )
    assert nomination.email == "ana@example.org"


def test_cancel_leads_back_to_the_page_the_focal_point_came_from(client, focal_point_uruguay, nomination):
    client.force_login(focal_point_uruguay.user)

    def cancel_links(path):
        return re.findall(r'<a class="btn btn-link" href="([^"]+)">Cancel</a>', client.get(path).content.decode())

    add_institution = reverse("focal_points:institution_create")
    assert cancel_links(url("nomination_edit", nomination.pk)) == [
        f"{reverse('focal_points:registration_list')}?session=alternativas"
    ]
    assert cancel_links(add_institution) == [reverse("focal_points:institution_list")]
    assert cancel_links(f"{add_institution}?session=alternativas") == [
        reverse("focal_points:nomination_bulk", kwargs={"slug": "alternativas"})
    ]


def test_a_focal_point_withdraws_a_nomination_after_a_confirmation_step(client, focal_point_uruguay, nomination):
    client.force_login(focal_point_uruguay.user)

    page = client.get(url("nomination_withdraw", nomination.pk)).content.decode()
    assert "Yes, withdraw the nomination" in page
    assert Registration.objects.get(pk=nomination.pk).status == "pending"

    client.post(url("nomination_withdraw", nomination.pk))

    assert Registration.objects.get(pk=nomination.pk).status == "cancelled"
    assert list(Delivery.objects.filter(to_email="ana@example.org").values_list("kind", flat=True).order_by("pk")) == [
        "registration_confirm",
        "registration_cancelled",
    ]


def test_sending_again_to_one_s_own_nominee_is_not_limited_like_a_nomination_attempt(
    client, focal_point_uruguay, nomination, time_machine
):
    client.force_login(focal_point_uruguay.user)
    time_machine.move_to(nomination.created_at.replace(microsecond=0))

    sent = []
    for minutes in (2, 4, 6):
        time_machine.move_to(nomination.created_at + __import__("datetime").timedelta(minutes=minutes))
        response = client.post(url("nomination_resend", nomination.pk), follow=True)
        sent.append(response.status_code)

    assert sent == [200, 200, 200]
    # The first message, then one copy per minute asked for (the outbox key allows one a minute).
    assert Delivery.objects.filter(to_email="ana@example.org", kind="registration_confirm").count() == 4


@pytest.mark.parametrize(
    ("name", "on_get"), [("nomination_edit", 404), ("nomination_withdraw", 404), ("nomination_resend", 405)]
)
def test_another_country_s_focal_point_gets_404_on_get_and_post(client, focal_point_mexico, nomination, name, on_get):
    client.force_login(focal_point_mexico.user)

    responses = [client.get(url(name, nomination.pk)), client.post(url(name, nomination.pk), {"full_name": "X"})]

    # Sending again is a POST only: a GET is refused before anyone is looked up.
    assert [response.status_code for response in responses] == [on_get, 404]
    assert Registration.objects.get(pk=nomination.pk).status == "pending"


def test_a_person_who_registered_themself_is_listed_but_not_managed(client, focal_point_uruguay):
    own = RegistrationFactory(country="UY", source="self", full_name="Self Registered")
    client.force_login(focal_point_uruguay.user)

    page = client.get(reverse("focal_points:registration_list")).content.decode()

    assert "Self Registered" in page
    assert url("nomination_edit", own.pk) not in page
    assert client.post(url("nomination_withdraw", own.pk)).status_code == 404


def test_registrations_are_filtered_by_session(client, focal_point_uruguay, nomination):
    other_session = SessionFactory(slug="genero", title="Género")
    RegistrationFactory(session=other_session, country="UY", full_name="Bruno Otro")
    client.force_login(focal_point_uruguay.user)

    response = client.get(reverse("focal_points:registration_list"), {"session": "alternativas"})

    assert [registration.full_name for registration in response.context["registrations"]] == ["Ana Pérez"]


def test_the_export_is_the_country_s_registrations_with_formulas_written_as_text(client, focal_point_uruguay):
    session = SessionFactory(slug="alternativas", title="Alternativas")
    RegistrationFactory(
        session=session, country="UY", full_name='=HYPERLINK("http://evil.example","x")', gender="woman"
    )
    RegistrationFactory(session=session, country="UY", full_name="x;=1+2;")
    RegistrationFactory(session=session, country="MX", full_name="Not Uruguay")
    client.force_login(focal_point_uruguay.user)
    list_url = reverse("focal_points:registration_list")

    csv_response = client.get(list_url, {"session": "alternativas", "format": "csv"})
    xlsx_response = client.get(list_url, {"session": "alternativas", "format": "xlsx"})

    text = csv_response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Session", "Full name", "E-mail", "Position", "Institution", "Status", "Registered by",
                       "Registered at"]  # fmt: skip
    # The shared rule (common.spreadsheets): a formula after a separator is text too, and every cell
    # is quoted, so a spreadsheet that splits on ";" still reads one text cell.
    assert sorted(row[1] for row in rows[1:]) == ['\'=HYPERLINK("http://evil.example","x")', "x;'=1+2;"]
    assert '"x;\'=1+2;"' in text
    assert "Woman" not in text
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    names = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ['\'=HYPERLINK("http://evil.example","x")', "x;'=1+2;"]
    assert {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None} == {"s"}
    assert xlsx_response["Content-Disposition"].startswith('attachment; filename="registrations-uy-alternativas-')


@pytest.mark.parametrize("rows", [1, 8])
def test_the_registration_list_costs_the_same_queries_whatever_the_rows(
    client, focal_point_uruguay, django_assert_num_queries, rows
):
    session = SessionFactory()
    for _number in range(rows):
        RegistrationFactory(session=session, country="UY", source="focal_point", registered_by=focal_point_uruguay.user)
    client.force_login(focal_point_uruguay.user)

    with django_assert_num_queries(6):
        client.get(reverse("focal_points:registration_list"))


def test_an_unused_institution_is_deleted_and_a_used_one_is_kept(client, focal_point_uruguay, nomination):
    unused = InstitutionFactory(name="Entrada por error", country="UY")
    client.force_login(focal_point_uruguay.user)

    assert "Yes, delete it" in client.get(url("institution_delete", unused.pk)).content.decode()
    client.post(url("institution_delete", unused.pk))
    client.post(url("institution_delete", nomination.institution_id))

    assert list(Institution.objects.values_list("name", flat=True)) == ["Junta Nacional de Drogas"]


def test_another_country_s_institution_cannot_be_deleted_or_merged(client, focal_point_mexico, nomination):
    mexican = InstitutionFactory(name="CONADIC", country="MX")
    client.force_login(focal_point_mexico.user)

    responses = [
        client.post(url("institution_delete", nomination.institution_id)),
        client.post(url("institution_merge", mexican.pk), {"duplicate": nomination.institution_id}),
    ]

    assert [response.status_code for response in responses] == [404, 302]
    assert Institution.objects.count() == 2


def test_merging_a_duplicate_moves_its_registrations_and_deletes_it(client, focal_point_uruguay, nomination):
    target = InstitutionFactory(name="Secretaría Nacional de Drogas", acronym="SND", country="UY")
    client.force_login(focal_point_uruguay.user)

    client.post(url("institution_merge", target.pk), {"duplicate": nomination.institution_id})

    assert Registration.objects.get(pk=nomination.pk).institution == target
    assert list(Institution.objects.values_list("name", flat=True)) == ["Secretaría Nacional de Drogas"]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Ministério da Justiça", "Ministerio de Justicia"),
        ("Ministerio de Justicia y Seguridad Pública", "Ministério da Justiça e Segurança Pública"),
        ("Ministério da Saúde", "Ministry of Health"),
        ("Defensoría Pública", "Defensoria Pública"),
    ],
)
def test_duplicates_are_detected_across_languages(db, existing, typed):
    institution = InstitutionFactory(name=existing, country="BR")

    assert find_duplicate_institution(country="BR", name=typed) == institution


def test_different_institutions_in_two_languages_stay_apart(db):
    InstitutionFactory(name="Ministério da Justiça", country="BR")

    assert find_duplicate_institution(country="BR", name="Ministerio de Salud") is None


def test_the_register_page_points_out_entries_that_look_the_same(client, focal_point_uruguay):
    first = InstitutionFactory(name="Ministerio de Salud Pública", country="UY")
    second = InstitutionFactory(name="Ministério da Saúde Pública", country="UY")
    InstitutionFactory(name="Junta Nacional de Drogas", country="UY")
    client.force_login(focal_point_uruguay.user)

    response = client.get(reverse("focal_points:institution_list"))

    assert response.context["likely_duplicates"] == [(first, second)]
    assert likely_duplicates([first]) == []
