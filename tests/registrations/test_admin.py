import csv
import io
import re

import pytest
from openpyxl import load_workbook

from registrations import seats
from registrations.models import Delivery, Registration
from sessions_app.models import Session
from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/registrations/registration/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def listed(response):
    return sorted(registration.email for registration in response.context["cl"].result_list)


@pytest.mark.parametrize("count", [1, 12])
def test_changelist_query_count_does_not_grow(staff_client, django_assert_num_queries, count):
    session = SessionFactory()
    institution = InstitutionFactory(verified=True)
    RegistrationFactory.create_batch(count, session=session, institution=institution)
    SessionFactory.create_batch(count)  # more sessions in the filter must not cost more either

    # One of them is the staff second-factor check (copolad_wg.middleware).
    with django_assert_num_queries(10):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == count


def test_filters_and_search(staff_client):
    session, other = SessionFactory(), SessionFactory()
    ministry = InstitutionFactory(kind="ministry")
    RegistrationFactory(session=session, email="ana@example.org", country="UY", gender="woman", institution=ministry)
    RegistrationFactory(session=session, email="joao@example.org", country="BR", gender="man", status="confirmed")
    RegistrationFactory(session=other, email="lucia@example.org", country="UY", full_name="Lucía Pérez")

    assert listed(staff_client.get(CHANGELIST, {"session__id__exact": session.pk})) == [
        "ana@example.org",
        "joao@example.org",
    ]
    assert listed(staff_client.get(CHANGELIST, {"status": "confirmed"})) == ["joao@example.org"]
    assert listed(staff_client.get(CHANGELIST, {"country": "UY"})) == ["ana@example.org", "lucia@example.org"]
    assert listed(staff_client.get(CHANGELIST, {"institution__kind": "ministry"})) == ["ana@example.org"]
    assert listed(staff_client.get(CHANGELIST, {"gender": "man"})) == ["joao@example.org"]
    assert listed(staff_client.get(CHANGELIST, {"q": "Lucía"})) == ["lucia@example.org"]


def test_actions_confirm_waitlist_cancel_and_resend_respect_capacity(staff_client):
    session = SessionFactory(capacity=1)
    first, second = (RegistrationFactory(session=session, status="pending") for _ in range(2))

    staff_client.post(
        CHANGELIST, {"action": "confirm_selected", "confirmed": "yes", "_selected_action": [first.pk, second.pk]}
    )
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "waitlisted")

    staff_client.post(CHANGELIST, {"action": "cancel_selected", "confirmed": "yes", "_selected_action": [first.pk]})
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "confirmed")

    staff_client.post(CHANGELIST, {"action": "waitlist_selected", "confirmed": "yes", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.status == "waitlisted"

    before = Delivery.objects.filter(registration=second).count()
    staff_client.post(CHANGELIST, {"action": "resend_selected", "confirmed": "yes", "_selected_action": [second.pk]})
    assert Delivery.objects.filter(registration=second).count() == before + 1


def test_an_action_that_mails_shows_who_what_and_what_was_sent_before_then_runs(staff_client):
    session = SessionFactory(capacity=5, title="Mecanismos inclusivos")
    people = [
        RegistrationFactory(session=session, status="pending", language=language) for language in ("es", "es", "pt")
    ]
    ids = [person.pk for person in people]

    page = staff_client.post(CHANGELIST, {"action": "resend_selected", "_selected_action": ids}).content.decode()

    assert Delivery.objects.count() == 0  # nothing sent before staff confirm
    assert re.search(r'id="confirmation-summary">([^<]+)<', page).group(1) == "3 people will be e-mailed:"
    assert re.findall(r"<tr><td>(\w+)</td><td class=\"number\">(\d+)</td></tr>", page) == [
        ("Spanish", "2"),
        ("Portuguese", "1"),
    ]
    assert "Sent to them before: 0 e-mails of this kind (to 0 of them), 0 e-mails in all." in page
    assert len(re.findall(r'<pre id="preview-body-\w+" class="mail-preview">', page)) == 2  # one preview per language

    staff_client.post(CHANGELIST, {"action": "resend_selected", "confirmed": "yes", "_selected_action": ids})
    assert Delivery.objects.filter(kind="registration_confirm").count() == 3
    page = staff_client.post(CHANGELIST, {"action": "resend_selected", "_selected_action": ids}).content.decode()
    assert "Sent to them before: 3 e-mails of this kind (to 3 of them), 3 e-mails in all." in page


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas(staff_client):
    session = SessionFactory(title="Mecanismos inclusivos")
    RegistrationFactory(session=session, full_name="Conceição Nuñez", email="c@example.org")
    RegistrationFactory(session=session, full_name='=HYPERLINK("http://x")', email="x@example.org")

    response = staff_client.post(
        CHANGELIST,
        {"action": "export_csv", "_selected_action": list(Registration.objects.values_list("pk", flat=True))},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Session", "E-mail", "Full name"]
    assert [row[2] for row in rows[1:]] == ["Conceição Nuñez", '\'=HYPERLINK("http://x")']


def test_xlsx_export_opens_with_accents(staff_client):
    session = SessionFactory()
    registration = RegistrationFactory(session=session, full_name="Conceição Nuñez", country="BR")

    response = staff_client.post(CHANGELIST, {"action": "export_xlsx", "_selected_action": [registration.pk]})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][1:3] == [registration.email, "Conceição Nuñez"]
    assert sheet[2][6].value == "Brazil"


def test_summary_by_country_and_gender(staff_client):
    session = SessionFactory(capacity=2)
    people = [
        RegistrationFactory(session=session, country="UY", gender="woman", status="pending"),
        RegistrationFactory(session=session, country="UY", gender="man", status="pending"),
        RegistrationFactory(session=session, country="MX", gender="woman", status="pending"),
    ]
    for registration in people:
        seats.confirm_registration(registration=registration)
    seats.cancel_registration(registration=people[1])

    response = staff_client.get("/admin/registrations/registration/summary/", {"session": session.pk})

    summary = response.context["summary"]
    # columns: confirmed, attended, waitlisted, cancelled, pending
    assert [(row.label, row.cells()) for row in summary.by_country] == [
        ("Mexico", [1, 0, 0, 0, 0]),
        ("Uruguay", [1, 0, 0, 1, 0]),
    ]
    assert [(row.label, row.cells()) for row in summary.by_gender] == [
        ("Woman", [2, 0, 0, 0, 0]),
        ("Man", [0, 0, 0, 1, 0]),
    ]
    assert summary.totals.cells() == [2, 0, 0, 1, 0]
    assert "Mexico" in response.content.decode()


def test_staff_can_add_someone_while_registration_is_closed(staff_client, staff):
    session = SessionFactory(status=Session.Status.REGISTRATION_CLOSED)

    response = staff_client.post(
        "/admin/registrations/registration/add/",
        {
            "session": session.pk,
            "email": "added@example.org",
            "full_name": "Añadida Por Staff",
            "country": "CL",
            "language": "es",
            "time_zone": "America/Santiago",
            "notify": "on",
        },
    )

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.email, registration.source, registration.registered_by, registration.status) == (
        "added@example.org",
        Registration.Source.STAFF,
        staff,
        Registration.Status.PENDING,
    )
    assert list(Delivery.objects.values_list("kind", flat=True)) == ["registration_confirm"]


def test_someone_added_to_a_held_session_is_recorded_without_mail_in_their_country_zone(staff_client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    held = SessionFactory(
        status=Session.Status.HELD, starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    )
    base = {"session": held.pk, "full_name": "Carla Ruiz", "country": "UY", "language": "es", "time_zone": ""}

    staff_client.post(CHANGELIST + "add/", {**base, "email": "carla@example.org", "attended": "on"})
    staff_client.post(CHANGELIST + "add/", {**base, "email": "invited@example.org"})

    assert sorted(Registration.objects.values_list("email", "status", "time_zone")) == [
        ("carla@example.org", "attended", "America/Montevideo"),
        ("invited@example.org", "confirmed", "America/Montevideo"),
    ]
    assert Delivery.objects.count() == 0


def test_add_form_errors_are_on_their_fields_in_the_staff_language(staff_client):
    held = SessionFactory(status=Session.Status.HELD)
    RegistrationFactory(session=held, email="Carla@Example.org")
    staff_client.cookies["django_language"] = "es"

    response = staff_client.post(
        CHANGELIST + "add/",
        {"session": held.pk, "email": "carla@example.org", "full_name": "C", "language": "es", "notify": "on"},
    )

    errors = response.context["adminform"].form.errors
    assert errors["email"] == ["Esta dirección ya está inscrita en esta sesión."]
    assert errors["notify"] == ["Esta sesión ya se celebró: ya no se pide confirmación a nadie."]
    assert "Constraint" not in response.content.decode()
    assert Registration.objects.count() == 1


def test_country_filter_lists_only_the_countries_used(staff_client):
    RegistrationFactory(country="UY")
    RegistrationFactory(country="MX")
    response = staff_client.get(CHANGELIST)
    country_filter = next(
        spec for spec in response.context["cl"].filter_specs if getattr(spec, "field_path", "") == "country"
    )
    assert [choice["display"] for choice in country_filter.choices(response.context["cl"])] == [
        "All",
        "Mexico",
        "Uruguay",
    ]


def test_status_cannot_be_edited_in_the_form(staff_client):
    registration = RegistrationFactory(status="pending")

    response = staff_client.get(f"/admin/registrations/registration/{registration.pk}/change/")

    assert "status" not in response.context["adminform"].form.fields
