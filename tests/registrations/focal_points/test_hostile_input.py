"""Focal points, as found in QA: input a participant's form already refuses (line breaks, control
and bidirectional characters) is refused here too; invitations and nomination e-mails speak the
recipient's language; exports open whatever the answers contain; staff need the permission."""

import io

import pytest
from django.urls import reverse

from registrations.focal_points import invitations, nominations
from registrations.models import Contribution, ContributionAnswer, Delivery, Institution, Registration
from tests.factories import GuidingQuestionFactory, InstitutionFactory, SessionFactory, UserFactory
from tests.registrations.helpers import rendered

ONE_LINE_ERROR = "Write this on one line, without line breaks or control characters."


def test_invitation_names_the_country_in_the_invitations_language(db):
    # Staff work in English; the invitation to Mexico's focal point is written in Spanish.
    invitations.invite_focal_point(email="luis@example.org", country="MX", first_name="Luis", language="es")
    delivery = Delivery.objects.get(to_email="luis@example.org")
    assert delivery.subject == "Le invitan como punto focal de México · Grupo de Trabajo 3.5 de COPOLAD III"
    assert "punto focal de México en el Grupo de Trabajo" in delivery.body_text
    assert "punto focal de México en el Grupo de Trabajo" in delivery.body_html


def test_pasted_row_with_a_line_break_in_the_name_is_refused(focal_point_uruguay, client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    client.force_login(focal_point_uruguay.user)
    rows = 'Ana Pérez,ana@example.org,,JND\n"Evil\nBcc: x@example.org",evil@example.org,,JND\n'
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}), {"rows": rows, "language": "en"}
    )
    assert [(row.values["email"], row.ok, row.errors) for row in response.context["results"]] == [
        ("ana@example.org", True, []),
        ("evil@example.org", False, [ONE_LINE_ERROR]),
    ]
    assert list(Registration.objects.values_list("email", flat=True)) == ["ana@example.org"]


@pytest.mark.parametrize("position", ["Jefa\r\nde sección", "Jefa\x01", "Jefa \u202eevil"])
def test_nomination_form_refuses_control_characters(focal_point_uruguay, client, position):
    session = SessionFactory()
    institution = InstitutionFactory(country="UY")
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:nomination_create", kwargs={"slug": session.slug}),
        {
            "full_name": "Ana Pérez",
            "email": "ana@example.org",
            "position": position,
            "institution": institution.pk,
            "language": "en",
        },
    )
    assert response.context["form"].errors == {"position": [ONE_LINE_ERROR]}
    assert Registration.objects.count() == 0


def test_institution_form_refuses_control_characters_in_its_name_and_acronym(focal_point_uruguay, client):
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:institution_create"),
        {"name": "Junta\u202eNacional", "acronym": "J\r\nND\x01", "kind": "ministry"},
    )
    assert response.context["form"].errors == {"name": [ONE_LINE_ERROR], "acronym": [ONE_LINE_ERROR]}
    assert Institution.objects.count() == 0


def test_bulk_report_gives_the_line_a_row_starts_on_and_says_when_the_email_is_missing(focal_point_uruguay, client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    client.force_login(focal_point_uruguay.user)
    # Every row names its institution: a bulk row follows the single nomination form, which requires one.
    rows = 'name,email\n"Two\nlines",two@example.org,,JND\nNo Address,,,JND\nBruno Díaz,bruno@example.org,,JND\n'
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}), {"rows": rows, "language": "en"}
    )
    assert [(row.line, row.values["full_name"], row.errors) for row in response.context["results"]] == [
        (2, "Two\nlines", [ONE_LINE_ERROR]),
        (4, "No Address", ["The e-mail address is missing."]),
        (5, "Bruno Díaz", []),
    ]
    assert list(Registration.objects.values_list("email", flat=True)) == ["bruno@example.org"]


def test_invitation_sent_again_by_english_speaking_staff_keeps_the_invitees_language(staff, client):
    focal_point = invitations.invite_focal_point(
        email="luis@example.org", country="MX", first_name="Luis", language="es"
    )
    client.force_login(staff)
    response = client.post(
        reverse("admin:registrations_focalpoint_changelist"),
        {"action": "resend_invitation", "_selected_action": [focal_point.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert list(Delivery.objects.order_by("pk").values_list("language", "subject")) == [
        ("es", "Le invitan como punto focal de México · Grupo de Trabajo 3.5 de COPOLAD III"),
        ("es", "Le invitan como punto focal de México · Grupo de Trabajo 3.5 de COPOLAD III"),
    ]


def test_nominated_person_is_told_who_nominated_them_in_their_language(focal_point_uruguay):
    session = SessionFactory()
    institution = InstitutionFactory(country="UY", name="Junta Nacional de Drogas")
    data = {"full_name": "Inês Sá", "email": "ines@example.org", "institution": institution, "language": "pt"}
    nominations.nominate(session=session, focal_point=focal_point_uruguay, data=data)
    delivery = rendered(Delivery.objects.get(kind="registration_confirm"))
    nominated = (
        "O ponto focal do seu país (Uruguai) no grupo de trabalho do COPOLAD III "
        "indicou seu nome para a seguinte sessão:"
    )
    assert delivery.body_text.splitlines()[2] == nominated
    assert f'<p style="margin:0 0 16px 0;">{nominated}</p>' in delivery.body_html
    assert "Se não deseja participar, ignore esta mensagem: nada mais será enviado." in delivery.body_text
    assert "Se você não se inscreveu" not in delivery.body_text


def test_staff_without_access_to_contributions_cannot_read_them_side_by_side(db, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session)
    contribution = Contribution.objects.create(session=session, country="UY")
    ContributionAnswer.objects.create(contribution=contribution, question=question, text="Respuesta confidencial")
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(clerk)
    response = client.get(reverse("admin:registrations_contribution_side_by_side"))
    assert response.status_code == 403
    assert "Respuesta confidencial" not in response.content.decode()


def test_answer_pasted_from_a_word_processor_exports_to_excel(staff, client):
    from openpyxl import load_workbook

    session = SessionFactory(title="Sesión 3")
    question = GuidingQuestionFactory(session=session, text="¿Qué alternativas existen?")
    contribution = Contribution.objects.create(session=session, country="UY")
    text = "Primera línea\x0bsegunda línea\x0c\x01fin"
    ContributionAnswer.objects.create(contribution=contribution, question=question, text=text)
    client.force_login(staff)
    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_xlsx", "_selected_action": [contribution.pk]},
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][5:] == ("¿Qué alternativas existen?", "Primera línea\nsegunda línea\nfin")


def test_registration_with_a_control_character_saved_earlier_still_exports_to_excel(staff, client):
    from openpyxl import load_workbook

    from tests.factories import RegistrationFactory

    # Saved before the one-line rule, e.g. by a pasted row: the export must still open.
    registration = RegistrationFactory(full_name="Ana\x01 Pérez", position="Jefa\x0bde sección")
    client.force_login(staff)
    response = client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "export_xlsx", "_selected_action": [registration.pk]},
    )
    assert response.status_code == 200
    row = [cell.value for cell in load_workbook(io.BytesIO(response.content)).active[2]]
    assert row[2:4] == ["Ana Pérez", "Jefa\nde sección"]


def test_bulk_report_in_portuguese_counts_zero_in_the_plural(focal_point_uruguay, client):
    session = SessionFactory()
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}).replace("/en/", "/pt/", 1),
        {"rows": "Ana,not-an-address", "language": "pt"},
    )
    report = response.content.decode().split('<p role="status">')[1].split("</p>")[0]
    assert " ".join(report.split()) == "0 pessoas indicadas. 1 linha não salva."
    assert Registration.objects.count() == 0
