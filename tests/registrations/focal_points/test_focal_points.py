"""Focal points: institution register, bulk nominations, contributions, invitations, admin."""

import csv
import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from registrations.focal_points import answers, institutions, invitations
from registrations.models import Contribution, ContributionAnswer, Delivery, FocalPoint, Institution, Registration
from tests.conftest import one_totp_window, totp_code
from tests.factories import (
    GuidingQuestionFactory,
    InstitutionFactory,
    RegistrationFactory,
    SessionFactory,
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits_in_english():
    # allauth keeps its rate-limit counters in the cache; tests must not inherit each other's.
    # reverse() follows the active language, which another module may have left changed.
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


# --- institutions -------------------------------------------------------------------------------


def test_duplicate_institution_ignores_case_accents_and_spacing(db):
    existing = InstitutionFactory(name="Ministério  da Saúde", acronym="MS", country="BR")
    with pytest.raises(institutions.DuplicateInstitution) as caught:
        institutions.create_institution(country="BR", data={"name": "ministerio da saude", "kind": "health"})
    assert caught.value.existing == existing
    with pytest.raises(institutions.DuplicateInstitution):
        institutions.create_institution(country="BR", data={"name": "Other name", "acronym": "m.s.", "kind": "health"})
    # The same name in another country is another institution.
    other = institutions.create_institution(country="PT", data={"name": "Ministério da Saúde", "kind": "health"})
    assert list(
        Institution.objects.filter(name__startswith="Minist").order_by("country").values_list("country", "pk")
    ) == [
        ("BR", existing.pk),
        ("PT", other.pk),
    ]


def test_focal_point_adds_institution_and_is_offered_the_existing_one(focal_point_uruguay, client):
    existing = InstitutionFactory(name="Instituto Nacional de Rehabilitación", acronym="INR", country="UY")
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:institution_create")
    response = client.post(
        url, {"name": "  Junta Nacional   de Drogas ", "acronym": "JND", "kind": "ministry", "sector": "public"}
    )
    assert response.status_code == 302
    created = Institution.objects.get(acronym="JND")
    assert (created.name, created.country.code, created.verified) == ("Junta Nacional de Drogas", "UY", False)

    response = client.post(url, {"name": "INSTITUTO NACIONAL DE REHABILITACION", "kind": "ministry"})
    assert response.status_code == 200
    assert response.context["duplicate"] == existing
    assert reverse("focal_points:institution_edit", kwargs={"pk": existing.pk}) in response.content.decode()
    assert Institution.objects.filter(country="UY").count() == 2


def test_edit_keeps_own_name_but_refuses_another_institutions(focal_point_uruguay, client):
    mides = InstitutionFactory(name="Ministerio de Desarrollo Social", acronym="MIDES", country="UY")
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:institution_edit", kwargs={"pk": mides.pk})
    response = client.post(
        url, {"name": "Ministerio de Desarrollo Social", "acronym": "MIDES", "kind": "social_inclusion"}
    )
    assert response.status_code == 302
    response = client.post(url, {"name": "junta nacional de drogas", "kind": "ministry"})
    assert response.status_code == 200
    mides.refresh_from_db()
    assert (mides.name, mides.kind) == ("Ministerio de Desarrollo Social", "social_inclusion")


# --- bulk nominations -----------------------------------------------------------------------------

CSV_ROWS = """name,email,position,institution
Ana Gómez,ana@example.org,Directora,Ministerio de Desarrollo Social
Bruno Díaz,bruno@example.org,Asesor,MINISTERIO DE DESARROLLO SOCIAL
Carla Ruiz,ANA@example.org,Técnica,MIDES
Diego Sosa,not-an-email,,Ministerio de Desarrollo Social
,eva@example.org,,Instituto Nacional de Rehabilitacion
Fabián Ríos,fabian@example.org,Jefe,Ministério do Interior
Gabriela Luz,gabriela@example.org,,instituto nacional de rehabilitación
Hugo Paz,Already@Example.org,,MIDES
"""


def test_csv_upload_keeps_good_rows_and_explains_bad_ones(focal_point_uruguay, client):
    session = SessionFactory()
    mides = InstitutionFactory(name="Ministerio de Desarrollo Social", acronym="MIDES", country="UY")
    inr = InstitutionFactory(name="Instituto Nacional de Rehabilitación", country="UY")
    RegistrationFactory(session=session, email="already@example.org", full_name="Ya Registrada")
    client.force_login(focal_point_uruguay.user)

    upload = SimpleUploadedFile("nominations.csv", CSV_ROWS.encode("utf-8-sig"), content_type="text/csv")
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}),
        {"file": upload, "language": "es"},
    )

    assert response.status_code == 200
    report = [(row.line, row.ok, row.errors) for row in response.context["results"]]
    assert report == [
        (2, True, []),
        (3, True, []),
        (4, False, ["Same e-mail as line 2."]),
        (5, False, ["“not-an-email” is not a valid e-mail address."]),
        (6, False, ["The name is missing."]),
        (7, False, ["“Ministério do Interior” is not in your country's register of institutions: add it first."]),
        (8, True, []),
        (9, False, ["Already@Example.org is already registered for this session."]),
    ]
    assert (response.context["saved_count"], response.context["error_count"]) == (3, 5)
    page = response.content.decode()
    assert "Same e-mail as line 2." in page

    saved = Registration.objects.filter(session=session, source=Registration.Source.FOCAL_POINT).order_by("email")
    assert [
        (r.full_name, r.email, r.institution_id, r.country.code, r.language, r.status, r.registered_by_id)
        for r in saved
    ] == [
        ("Ana Gómez", "ana@example.org", mides.pk, "UY", "es", "pending", focal_point_uruguay.user_id),
        ("Bruno Díaz", "bruno@example.org", mides.pk, "UY", "es", "pending", focal_point_uruguay.user_id),
        ("Gabriela Luz", "gabriela@example.org", inr.pk, "UY", "es", "pending", focal_point_uruguay.user_id),
    ]
    # Each nominee gets the e-mail to confirm (a row in the outbox); nobody else does.
    assert sorted(Delivery.objects.filter(registration__in=saved).values_list("to_email", flat=True)) == [
        "ana@example.org",
        "bruno@example.org",
        "gabriela@example.org",
    ]
    assert Registration.objects.filter(session=session).count() == 4


def test_pasted_rows_with_tabs(focal_point_uruguay, client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}),
        {"rows": "Inés Ñandú\tines@example.org\tAnalista\tjnd\n\n", "language": "pt"},
    )
    assert [(row.line, row.ok) for row in response.context["results"]] == [(1, True)]
    assert list(session.registrations.values_list("full_name", "language")) == [("Inés Ñandú", "pt")]


def test_bulk_form_without_rows_or_file_says_so(focal_point_uruguay, client):
    session = SessionFactory()
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}), {"rows": "  ", "language": "en"}
    )
    assert response.context["form"].non_field_errors() == ["Paste some rows or choose a file."]
    binary = SimpleUploadedFile("x.csv", b"\x00\x01\x02", content_type="text/csv")
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}), {"file": binary, "language": "en"}
    )
    assert response.context["form"].errors["file"] == ["This does not look like a CSV file."]


def test_nomination_when_registration_closed_is_explained(focal_point_uruguay, client):
    session = SessionFactory(status="published")
    institution = InstitutionFactory(country="UY")
    client.force_login(focal_point_uruguay.user)
    response = client.post(
        reverse("focal_points:nomination_create", kwargs={"slug": session.slug}),
        {"full_name": "Ana", "email": "ana@example.org", "institution": institution.pk, "language": "es"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Registration for this session is not open yet."]
    assert session.registrations.count() == 0


def test_unreadable_csv_saves_nothing_and_says_so(focal_point_uruguay, client):
    session = SessionFactory()
    client.force_login(focal_point_uruguay.user)
    huge_cell = "Ana,ana@example.org,," + "x" * 200_000
    response = client.post(
        reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug}),
        {"file": SimpleUploadedFile("n.csv", huge_cell.encode()), "language": "en"},
    )
    assert response.context["form"].non_field_errors() == ["These rows could not be read as CSV; nothing was saved."]
    assert session.registrations.count() == 0


def test_the_area_speaks_spanish(focal_point_uruguay, client):
    session = SessionFactory(title="Mecanismos inclusivos")
    client.force_login(focal_point_uruguay.user)
    with translation.override("es"):
        page = client.get(reverse("focal_points:dashboard")).content.decode()
    assert '<h1 class="h2">Punto focal · Uruguay</h1>' in page
    assert f'href="/es/focal-point/sessions/{session.slug}/nominate/">Nominar participantes</a>' in page
    assert 'href="/es/focal-point/">Mi país</a>' in page
    client.logout()
    with translation.override("es"):
        login_page = client.get(reverse("account_login")).content.decode()
    assert "Las cuentas se crean solo por invitación." in login_page


# --- contributions ------------------------------------------------------------------------------


def test_contribution_draft_submit_read_only_and_staff_reopen(focal_point_uruguay, staff, client):
    session = SessionFactory()
    first = GuidingQuestionFactory(session=session, order=1, text="What mechanisms?")
    second = GuidingQuestionFactory(session=session, order=2, text="Which partners?")
    url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})
    client.force_login(focal_point_uruguay.user)

    response = client.post(url, {f"answer_{first.pk}": "Drug courts.", f"answer_{second.pk}": "", "save": ""})
    assert response.status_code == 302
    contribution = Contribution.objects.get(session=session, country="UY")
    assert contribution.status == "draft"
    assert list(contribution.answers.values_list("question__text", "text")) == [
        ("What mechanisms?", "Drug courts."),
        ("Which partners?", ""),
    ]

    response = client.post(
        url, {f"answer_{first.pk}": "Drug courts.", f"answer_{second.pk}": "MIDES and INR.", "review": ""}
    )
    review_url = reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    assert response["Location"] == review_url
    version = client.get(review_url).context["form"].initial["version"]
    client.post(review_url, {"confirm": "on", "version": version})
    contribution.refresh_from_db()
    assert (contribution.status, contribution.submitted_at is not None) == ("submitted", True)

    # Read-only: the page shows no buttons and a POST changes nothing.
    page = client.get(url).content.decode()
    assert "Submit answers" not in page
    assert 'disabled id="id_answer_' in page or "disabled" in page
    client.post(url, {f"answer_{first.pk}": "Changed.", f"answer_{second.pk}": "Changed.", "save": ""})
    assert list(contribution.answers.values_list("text", flat=True)) == ["Drug courts.", "MIDES and INR."]
    with pytest.raises(answers.ContributionLocked):
        answers.save_contribution(session=session, country="UY", answers={first.pk: "x"}, user=staff)

    client.force_login(staff)
    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "reopen", "_selected_action": [contribution.pk]},
    )
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.status, contribution.submitted_at) == ("draft", None)

    client.force_login(focal_point_uruguay.user)
    client.post(url, {f"answer_{first.pk}": "Drug courts and diversion.", f"answer_{second.pk}": "MIDES.", "save": ""})
    assert list(contribution.answers.values_list("text", flat=True)) == ["Drug courts and diversion.", "MIDES."]


def test_submitting_empty_answers_is_refused(focal_point_uruguay, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session)
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})
    response = client.post(url, {f"answer_{question.pk}": "   ", "review": ""}, follow=True)
    # The review offers no confirmation for empty answers, and a forged one is refused.
    assert response.context["answered_count"] == 0
    assert "confirm-form" not in response.content.decode()
    review_url = reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    version = response.context["form"].initial["version"]
    response = client.post(review_url, {"confirm": "on", "version": version})
    assert response.context["form"].non_field_errors() == ["Answer at least one question before submitting."]
    assert list(Contribution.objects.filter(session=session).values_list("status", "submitted_at")) == [("draft", None)]


def test_staff_export_and_side_by_side(staff, client):
    session = SessionFactory(title="Inclusive mechanisms")
    question = GuidingQuestionFactory(session=session, text="What challenges?")
    uy = answers.save_contribution(
        session=session, country="UY", answers={question.pk: "=cmd() Prisons"}, user=staff, submit=True
    )
    mx = answers.save_contribution(
        session=session, country="MX", answers={question.pk: "Jóvenes con propósito"}, user=staff
    )
    client.force_login(staff)

    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_csv", "_selected_action": [uy.pk, mx.pk]},
    )
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert [row[:3] + row[4:] for row in rows] == [
        ["Session", "Country", "Status", "Question number", "Question", "Answer"],
        ["Inclusive mechanisms", "Mexico", "Draft", "1", "What challenges?", "Jóvenes con propósito"],
        ["Inclusive mechanisms", "Uruguay", "Submitted", "1", "What challenges?", "'=cmd() Prisons"],
    ]

    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_xlsx", "_selected_action": [uy.pk]},
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][5:] == ["What challenges?", "'=cmd() Prisons"]

    response = client.get(reverse("admin:registrations_contribution_side_by_side"), {"session": session.pk})
    assert [c.country.code for c in response.context["contributions"]] == ["MX", "UY"]
    assert response.context["rows"] == [(question, ["Jóvenes con propósito", "=cmd() Prisons"])]


# --- invitations and accounts -------------------------------------------------------------------


def test_staff_invites_focal_point_who_sets_password_and_signs_in(staff, client, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:registrations_focalpoint_invite"),
            {
                "email": "Punto.Focal@mides.gub.uy",
                "first_name": "Rosa",
                "last_name": "Pérez",
                "country": "UY",
                "language": "es",
            },
        )
    assert response.status_code == 302
    focal_point = FocalPoint.objects.select_related("user").get(user__email="punto.focal@mides.gub.uy")
    assert (focal_point.country.code, focal_point.is_active, focal_point.user.has_usable_password()) == (
        "UY",
        True,
        False,
    )
    assert list(EmailAddress.objects.filter(user=focal_point.user).values_list("email", "verified", "primary")) == [
        ("punto.focal@mides.gub.uy", True, True)
    ]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["punto.focal@mides.gub.uy"]
    assert message.subject == "Le invitan como punto focal de Uruguay · Grupo de Trabajo 3.5 de COPOLAD III"
    link = next(line for line in message.body.splitlines() if "/password/reset/key/" in line)
    assert link.startswith("http://127.0.0.1:8000/es/accounts/password/reset/key/")

    client.logout()
    response = client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"password1": "un-secreto-largo-2026", "password2": "un-secreto-largo-2026"}
    )
    assert response.status_code == 302
    # The link works once.
    assert client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True).context["token_fail"] is True

    response = client.post(
        reverse("account_login"), {"login": "punto.focal@mides.gub.uy", "password": "un-secreto-largo-2026"}
    )
    assert response["Location"] == reverse("focal_points:dashboard")


def test_inviting_an_existing_address_is_refused(staff, focal_point_uruguay, client):
    client.force_login(staff)
    response = client.post(
        reverse("admin:registrations_focalpoint_invite"),
        {"email": "FP.UY@example.org", "first_name": "Otra", "country": "UY", "language": "en"},
    )
    assert response.context["form"].errors["email"] == ["An account with the e-mail fp.uy@example.org already exists."]
    assert FocalPoint.objects.count() == 1


def test_nobody_can_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "a-long-pass-99", "password2": "a-long-pass-99"},
    )
    assert get_user_model().objects.filter(email="x@example.org").exists() is False
    assert response.status_code == 200


def test_staff_moves_and_deactivates_a_focal_point(staff, focal_point_uruguay, client):
    focal_point_uruguay.institution = InstitutionFactory(country="UY")
    focal_point_uruguay.save()
    client.force_login(staff)
    url = reverse("admin:registrations_focalpoint_change", args=[focal_point_uruguay.pk])
    response = client.post(url, {"country": "AR", "institution": "", "is_active": "on"})
    assert response.status_code == 302
    focal_point_uruguay.refresh_from_db()
    assert (focal_point_uruguay.country.code, focal_point_uruguay.institution) == ("AR", None)

    client.post(
        reverse("admin:registrations_focalpoint_changelist"),
        {"action": "deactivate", "_selected_action": [focal_point_uruguay.pk]},
    )
    focal_point_uruguay.refresh_from_db()
    assert (focal_point_uruguay.is_active, focal_point_uruguay.user.is_active) == (False, False)


def test_staff_merges_duplicate_institutions(staff, client):
    keep = InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY", verified=True)
    duplicate = InstitutionFactory(name="JND Uruguay", country="UY", website="https://www.gub.uy/jnd")
    registration = RegistrationFactory(institution=duplicate)
    client.force_login(staff)
    changelist = reverse("admin:registrations_institution_changelist")
    response = client.post(changelist, {"action": "merge", "_selected_action": [keep.pk, duplicate.pk]})
    assert [i.pk for i in response.context["institutions"]] == [keep.pk, duplicate.pk]
    response = client.post(
        changelist, {"action": "merge", "_selected_action": [keep.pk, duplicate.pk], "target": keep.pk, "apply": "1"}
    )
    assert response.status_code == 302
    assert list(Institution.objects.values_list("pk", "website")) == [(keep.pk, "https://www.gub.uy/jnd")]
    registration.refresh_from_db()
    assert registration.institution_id == keep.pk


# --- admin sign-in ------------------------------------------------------------------------------


def test_admin_login_goes_through_rate_limited_allauth(staff, outsider, client):
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == "/en/accounts/login/?next=/admin/"
    # Django's own admin form is never served, so it cannot be used to guess passwords.
    response = client.post("/admin/login/", {"username": "staff", "password": "correct horse battery"})
    assert response["Location"] == "/en/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session

    for _attempt in range(5):
        response = client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": staff.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert (
        "Too many failed sign-in attempts from your connection. Please try again in 1 minute."
        in response.content.decode()
    )

    cache.clear()
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": staff.email, "password": "correct horse battery"}
    )
    # The password is not enough: staff give their authenticator app's code next.
    assert response["Location"] == reverse("mfa_authenticate")
    with one_totp_window():
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.force_login(outsider)
    assert client.get("/admin/login/").status_code == 403


# --- query counts ---------------------------------------------------------------------------------


def _populate(focal_point, n):
    sessions = [SessionFactory() for _ in range(n)]
    for session in sessions:
        question = GuidingQuestionFactory(session=session)
        answers.save_contribution(
            session=session, country=focal_point.country, answers={question.pk: "Drug courts."}, user=focal_point.user
        )
    for index in range(n):
        institution = InstitutionFactory(country=focal_point.country)
        RegistrationFactory(session=sessions[index % len(sessions)], institution=institution, country="UY")
    return sessions


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "institution_list",
        "registration_list",
        "nomination_create",
        "nomination_bulk",
        "contribution_edit",
        "contribution_review",
    ],
)
def test_pages_cost_the_same_queries_with_one_or_many_items(
    name, focal_point_uruguay, client, django_assert_num_queries
):
    client.force_login(focal_point_uruguay.user)
    few = _populate(focal_point_uruguay, 1)
    kwargs = {"slug": few[0].slug} if name.startswith(("nomination_", "contribution_")) else {}
    url = reverse(f"focal_points:{name}", kwargs=kwargs)
    client.get(url)  # warm up (sessions, translations)
    expected = _count(client, url)

    # More sessions, institutions, registrations and contributions; more questions and
    # nominations on the session of the page.
    _populate(focal_point_uruguay, 6)
    institution = Institution.objects.filter(country="UY").first()
    for _index in range(6):
        GuidingQuestionFactory(session=few[0])
        RegistrationFactory(session=few[0], institution=institution, country="UY")
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


def test_admin_pages_for_focal_points_render(staff, focal_point_uruguay, client):
    client.force_login(staff)
    changelist = client.get(reverse("admin:registrations_focalpoint_changelist")).content.decode()
    assert f'href="{reverse("admin:registrations_focalpoint_invite")}">Invite a focal point</a>' in changelist
    invite = client.get(reverse("admin:registrations_focalpoint_invite"))
    assert list(invite.context["form"].fields) == ["email", "first_name", "last_name", "country", "language"]
    contributions = client.get(reverse("admin:registrations_contribution_changelist")).content.decode()
    assert ">Side by side</a>" in contributions
    side_by_side = client.get(reverse("admin:registrations_contribution_side_by_side"), {"session": "not-a-number"})
    assert "No country has answered yet." in side_by_side.content.decode()
    institutions = client.get(reverse("admin:registrations_institution_changelist"))
    assert institutions.status_code == 200
    assert [action[0] for action in institutions.context["action_form"].fields["action"].choices][-2:] == [
        "verify",
        "merge",
    ]


# --- QA regressions -------------------------------------------------------------------------------


def test_opening_the_answers_page_writes_nothing_until_the_focal_point_saves(focal_point_uruguay, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session, text="What mechanisms?")
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})

    response = client.get(url)
    assert list(response.context["form"].fields) == [f"answer_{question.pk}"]
    assert response.context["form"].fields[f"answer_{question.pk}"].label == "1. What mechanisms?"
    assert (Contribution.objects.count(), ContributionAnswer.objects.count()) == (0, 0)

    client.post(url, {f"answer_{question.pk}": "Drug courts.", "save": ""})
    assert list(Contribution.objects.values_list("country", "status")) == [("UY", "draft")]
    assert list(ContributionAnswer.objects.values_list("question__text", "text")) == [
        ("What mechanisms?", "Drug courts.")
    ]


def test_empty_drafts_are_left_out_of_side_by_side_and_exports(staff, client):
    session = SessionFactory(title="Inclusive mechanisms")
    question = GuidingQuestionFactory(session=session, text="What challenges?")
    answers.save_contribution(session=session, country="UY", answers={question.pk: "Prisons"}, user=staff)
    # An empty draft, as the answers page used to create on a plain visit.
    empty = answers.save_contribution(session=session, country="MX", answers={question.pk: ""}, user=staff)
    other_session = SessionFactory(title="Only an empty draft")
    Contribution.objects.create(session=other_session, country="AR")
    client.force_login(staff)

    response = client.get(reverse("admin:registrations_contribution_side_by_side"), {"session": session.pk})
    assert [c.country.code for c in response.context["contributions"]] == ["UY"]
    assert response.context["rows"] == [(question, ["Prisons"])]
    assert list(response.context["sessions"]) == [session]

    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_csv", "_selected_action": [c.pk for c in Contribution.objects.all()]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert [row[:3] for row in rows[1:]] == [["Inclusive mechanisms", "Uruguay", "Draft"]]

    from openpyxl import load_workbook

    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_xlsx", "_selected_action": [empty.pk]},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1  # the header only


@pytest.mark.parametrize(
    "session_kwargs",
    [
        {"starts_at": timezone.now() - timedelta(minutes=5)},
        {"starts_at": timezone.now() - timedelta(days=10), "status": "held"},
        {"starts_at": timezone.now() + timedelta(days=3), "status": "held"},
    ],
    ids=["started", "held", "marked-held-early"],
)
def test_answers_are_read_only_once_the_session_has_started(session_kwargs, focal_point_uruguay, client):
    session = SessionFactory(**session_kwargs)
    question = GuidingQuestionFactory(session=session)
    client.force_login(focal_point_uruguay.user)
    with translation.override("es"):
        url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})

    page = client.get(url)
    assert page.context["read_only"] is True
    assert page.context["form"].fields[f"answer_{question.pk}"].disabled is True
    html = page.content.decode()
    assert "Esta sesión ya comenzó: las respuestas ya no se pueden cambiar." in html
    assert 'name="submit"' not in html

    client.post(url, {f"answer_{question.pk}": "Late answer.", "submit": ""})
    assert Contribution.objects.count() == 0
    with pytest.raises(answers.ContributionLocked):
        answers.save_contribution(
            session=session, country="UY", answers={question.pk: "Late."}, user=focal_point_uruguay.user
        )


def test_nominations_are_refused_once_the_session_has_started(focal_point_uruguay, client):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=5))
    institution = InstitutionFactory(country="UY")
    client.force_login(focal_point_uruguay.user)
    with translation.override("es"):
        single = reverse("focal_points:nomination_create", kwargs={"slug": session.slug})
        bulk = reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug})
    closed = "Esta sesión ya comenzó: las nominaciones están cerradas."

    response = client.post(
        single, {"full_name": "Ana", "email": "ana@example.org", "institution": institution.pk, "language": "es"}
    )
    assert response.context["form"].non_field_errors() == [closed]
    assert closed in response.content.decode()
    assert 'name="full_name"' not in response.content.decode()

    response = client.post(bulk, {"rows": f"Ana,ana@example.org,,{institution.name}", "language": "es"})
    assert response.context["form"].non_field_errors() == [closed]
    assert response.context["results"] is None
    assert session.registrations.count() == 0


def test_dashboard_offers_buttons_only_for_sessions_not_yet_started(focal_point_uruguay, client):
    upcoming = SessionFactory(title="Upcoming one")
    started = SessionFactory(title="Started one", starts_at=timezone.now() - timedelta(minutes=5))
    held = SessionFactory(title="Held one", status="held")
    client.force_login(focal_point_uruguay.user)
    response = client.get(reverse("focal_points:dashboard"))
    assert list(response.context["sessions"]) == [upcoming]
    html = response.content.decode()
    for session in (started, held):
        assert reverse("focal_points:nomination_create", kwargs={"slug": session.slug}) not in html
    assert reverse("focal_points:nomination_create", kwargs={"slug": upcoming.slug}) in html


def test_renaming_a_verified_institution_sends_it_back_to_staff(focal_point_uruguay, client):
    institution = InstitutionFactory(
        name="Junta Nacional de Drogas", acronym="JND", country="UY", kind="ministry", verified=True
    )
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:institution_edit", kwargs={"pk": institution.pk})
    data = {"name": "Junta Nacional de Drogas", "acronym": "JND", "kind": "ministry", "website": "https://jnd.gub.uy"}

    response = client.post(url, data, follow=True)
    institution.refresh_from_db()
    assert (institution.website, institution.verified) == ("https://jnd.gub.uy", True)
    assert [str(m) for m in response.context["messages"]] == ["Junta Nacional de Drogas (JND) was saved."]

    response = client.post(url, {**data, "acronym": "SND"}, follow=True)
    institution.refresh_from_db()
    assert (institution.acronym, institution.verified) == ("SND", False)
    assert [str(m) for m in response.context["messages"]] == [
        "Junta Nacional de Drogas (SND) was saved. Its name changed, so the programme team will verify it again."
    ]

    Institution.objects.filter(pk=institution.pk).update(verified=True)
    client.post(url, {**data, "name": "Secretaría Nacional de Drogas", "acronym": "SND"})
    institution.refresh_from_db()
    assert (institution.name, institution.verified) == ("Secretaría Nacional de Drogas", False)


def test_invitation_html_declares_the_invitees_language(focal_point_uruguay):
    delivery = invitations.send_invitation(focal_point=focal_point_uruguay, language="pt")
    assert delivery.body_html.splitlines()[1] == '<html lang="pt" dir="ltr">'


def test_admin_refuses_an_institution_of_another_country(staff, focal_point_uruguay, client):
    mides = InstitutionFactory(name="MIDES", country="UY")
    jnd = InstitutionFactory(name="JND", country="UY")
    conadic = InstitutionFactory(name="CONADIC", country="MX")
    client.force_login(staff)
    url = reverse("admin:registrations_focalpoint_change", args=[focal_point_uruguay.pk])

    form = client.get(url).context["adminform"].form
    assert list(form.fields["institution"].queryset) == [jnd, mides]

    response = client.post(url, {"country": "UY", "institution": conadic.pk, "is_active": "on"})
    form = response.context["adminform"].form
    assert form.errors == {"institution": ["CONADIC is of Mexico: choose an institution of Uruguay or leave it empty."]}
    focal_point_uruguay.refresh_from_db()
    assert focal_point_uruguay.institution is None

    # Moving to Mexico with Uruguay's institution is refused too; the list then offers Mexico's.
    response = client.post(url, {"country": "MX", "institution": mides.pk, "is_active": "on"})
    form = response.context["adminform"].form
    assert form.errors == {"institution": ["MIDES is of Uruguay: choose an institution of Mexico or leave it empty."]}
    assert list(form.fields["institution"].queryset) == [conadic]

    response = client.post(url, {"country": "MX", "institution": conadic.pk, "is_active": "on"})
    assert response.status_code == 302
    focal_point_uruguay.refresh_from_db()
    assert (focal_point_uruguay.country.code, focal_point_uruguay.institution) == ("MX", conadic)
