"""What a focal point sees: the review step before submitting, duplicate institutions written
another way, the rows of a bulk nomination kept to correct, signing in from the invitation,
names instead of usernames, and times in the country's zone beside the session's."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from registrations.focal_points import answers, institutions, invitations, nominations
from registrations.models import Contribution, Delivery, Institution, Registration
from tests.factories import GuidingQuestionFactory, InstitutionFactory, SessionFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the review step ----------------------------------------------------------------------------


def _draft(client, session, answers):
    url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})
    return client.post(url, {**{f"answer_{pk}": text for pk, text in answers.items()}, "review": ""}, follow=True)


def test_review_lists_every_question_flags_the_unanswered_and_needs_a_confirmation(focal_point_uruguay, client):
    session = SessionFactory()
    first = GuidingQuestionFactory(session=session, order=1, text="What mechanisms?")
    second = GuidingQuestionFactory(session=session, order=2, text="Which partners?")
    third = GuidingQuestionFactory(session=session, order=3, text="What challenges?")
    client.force_login(focal_point_uruguay.user)

    response = _draft(client, session, {first.pk: "Drug courts.", second.pk: "  ", third.pk: ""})
    review_url = reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    assert response.redirect_chain == [(review_url, 302)]
    # The draft is saved before the review is shown: nothing typed is lost.
    contribution = Contribution.objects.get(session=session, country="UY")
    assert (
        contribution.status,
        list(contribution.answers.order_by("question__order").values_list("text", flat=True)),
    ) == (
        "draft",
        ["Drug courts.", "", ""],
    )
    page = response.content.decode()
    assert [(number, question.text) for number, question in response.context["unanswered"]] == [
        (2, "Which partners?"),
        (3, "What challenges?"),
    ]
    assert " ".join(re.search(r'<p id="review-status">(.*?)</p>', page, re.S).group(1).split()) == (
        "1 of 3 questions answered. Your draft is saved: nothing is submitted until you confirm below."
    )
    summary = re.search(r'<div class="alert alert-warning" id="unanswered-summary">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", summary) == ["2 questions have no answer"]
    edit_url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})
    assert re.findall(r'href="([^"]+)">Question (\d)</a>', summary) == [
        (f"{edit_url}#id_answer_{second.pk}", "2"),
        (f"{edit_url}#id_answer_{third.pk}", "3"),
    ]
    # Every question is listed with its answer, or flagged.
    items = re.findall(r'<li class="mb-4" id="review-question-\d+">(.*?)</li>', page, re.S)
    assert [re.sub(r"<[^>]+>", "", " ".join(item.split())).strip() for item in items] == [
        "1. What mechanisms? Drug courts.",
        "2. Which partners? Not answered · Write an answer",
        "3. What challenges? Not answered · Write an answer",
    ]

    # Submitting without the confirmation changes nothing.
    version = response.context["form"].initial["version"]
    before = Contribution.objects.values("status", "submitted_at", "updated_at").get(pk=contribution.pk)
    response = client.post(review_url, {"version": version})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "confirm": ["Tick the box to confirm that you want to submit these answers."]
    }
    assert 'id="error-summary"' in response.content.decode()
    assert Contribution.objects.values("status", "submitted_at", "updated_at").get(pk=contribution.pk) == before

    response = client.post(review_url, {"version": version, "confirm": "on"}, follow=True)
    assert response.redirect_chain == [(edit_url, 302)]
    contribution.refresh_from_db()
    assert (contribution.status, contribution.updated_by_id) == ("submitted", focal_point_uruguay.user_id)
    assert [str(message) for message in response.context["messages"]] == [
        "Your country's answers were submitted. Thank you. A copy was sent to fp.uy@example.org."
    ]


def test_a_draft_changed_after_the_review_is_not_submitted(focal_point_uruguay, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session)
    client.force_login(focal_point_uruguay.user)
    reviewed = _draft(client, session, {question.pk: "First version."})
    version = reviewed.context["form"].initial["version"]
    # Another tab saves a new draft meanwhile.
    client.post(
        reverse("focal_points:contribution_edit", kwargs={"slug": session.slug}),
        {f"answer_{question.pk}": "Second version.", "save": ""},
        follow=True,
    )
    review_url = reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    response = client.post(review_url, {"version": version, "confirm": "on"}, follow=True)
    assert [str(message) for message in response.context["messages"]] == [
        "The answers were changed after you reviewed them. Check them again before submitting."
    ]
    contribution = Contribution.objects.get(session=session)
    assert (contribution.status, contribution.answers.get().text) == ("draft", "Second version.")


def test_old_submit_button_only_leads_to_the_review(focal_point_uruguay, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session)
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})
    response = client.post(url, {f"answer_{question.pk}": "Prisons.", "submit": ""})
    assert response["Location"] == reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    assert list(Contribution.objects.values_list("status", flat=True)) == ["draft"]


def test_review_of_a_submitted_contribution_goes_back_to_the_read_only_page(focal_point_uruguay, client):
    session = SessionFactory()
    question = GuidingQuestionFactory(session=session)
    answers.save_contribution(
        session=session, country="UY", answers={question.pk: "x"}, user=focal_point_uruguay.user, submit=True
    )
    client.force_login(focal_point_uruguay.user)
    review_url = reverse("focal_points:contribution_review", kwargs={"slug": session.slug})
    response = client.post(review_url, {"confirm": "on", "version": ""})
    assert response["Location"] == reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})


# --- duplicate institutions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Min. de Justicia y del Derecho",
        "Mins. de Justicia y Derecho",
        "Justicia y Derecho, Ministerio de",
        "MINISTÉRIO de justicia y del derecho",
    ],
)
def test_abbreviations_and_word_order_are_the_same_institution(db, typed):
    existing = InstitutionFactory(name="Ministerio de Justicia y del Derecho", country="CO")
    assert institutions.find_duplicate_institution(country="CO", name=typed) == existing


@pytest.mark.parametrize(
    ("existing_name", "typed"),
    [
        ("Secretaría Nacional de Drogas", "Sec. Nac. de Drogas"),
        ("Secretaria Nacional de Políticas sobre Drogas", "Secr. Nac. de Políticas sobre Drogas"),
        ("Instituto Nacional de Rehabilitación", "Inst. Nac. de Rehabilitación"),
        ("Dirección Nacional de Migraciones", "Dir. Nac. de Migraciones"),
        ("Direção-Geral de Saúde", "Dir. Geral de Saúde"),
        ("Policía Federal", "Policía Fed."),
        ("Ministério da Saúde", "Min. da Saúde"),
    ],
)
def test_common_abbreviations_are_expanded(db, existing_name, typed):
    existing = InstitutionFactory(name=existing_name, country="BR")
    assert institutions.find_duplicate_institution(country="BR", name=typed) == existing


@pytest.mark.parametrize(
    "typed",
    [
        "Ministerio de Justicia",  # another ministry
        "Ministerio del Derecho y de la Justicia",  # the specific words in another order
        "Secretaría de Justicia y del Derecho",  # another generic word
        "Min. de Justicia y del Derecho Penal",
    ],
)
def test_non_duplicates_stay_apart(db, typed):
    InstitutionFactory(name="Ministerio de Justicia y del Derecho", country="CO")
    assert institutions.find_duplicate_institution(country="CO", name=typed) is None


def test_the_duplicate_is_said_once_with_a_link_to_the_existing_one(client, db):
    from tests.factories import FocalPointFactory, UserFactory

    focal_point = FocalPointFactory(user=UserFactory(username="fp-co", email="fp.co@example.org"), country="CO")
    existing = InstitutionFactory(name="Ministerio de Justicia y del Derecho", acronym="MinJusticia", country="CO")
    client.force_login(focal_point.user)
    response = client.post(
        reverse("focal_points:institution_create"), {"name": "Min. de Justicia y del Derecho", "kind": "ministry"}
    )
    page = response.content.decode()
    message = "“Ministerio de Justicia y del Derecho (MinJusticia)” is already in your country's register."
    assert page.count(message) == 1
    assert page.count('role="alert"') == 1
    assert response.context["form"].errors == {}
    assert f'href="{reverse("focal_points:institution_edit", kwargs={"pk": existing.pk})}"' in page
    assert Institution.objects.filter(country="CO").count() == 1

    # The control: another ministry is added.
    response = client.post(
        reverse("focal_points:institution_create"),
        {"name": "Ministerio de Salud y Protección Social", "kind": "ministry"},
    )
    assert response.status_code == 302
    assert sorted(Institution.objects.filter(country="CO").values_list("name", flat=True)) == [
        "Ministerio de Justicia y del Derecho",
        "Ministerio de Salud y Protección Social",
    ]


# --- bulk nominations ---------------------------------------------------------------------------


BULK_ROWS = (
    "Ana Gómez,ana@example.org,Directora,JND\n"
    "Bruno Díaz,bruno@example.org,Asesor,Junta Nacional de Drogas\n"
    "Carla Ruiz | carla@example.org | Técnica | JND\n"
    "Diego Sosa,diego@example.org,JND\n"
    "Eva Luz,not-an-address,,JND\n"
)


def test_rejected_rows_stay_in_the_box_with_their_reasons(focal_point_uruguay, client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    InstitutionFactory(name="Ministerio de Salud Pública", acronym="MSP", country="UY")
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug})
    text = BULK_ROWS.replace(
        "Bruno Díaz,bruno@example.org,Asesor,Junta Nacional de Drogas", "Bruno Díaz,bruno@example.org,Asesor,INAU"
    )
    response = client.post(url, {"rows": text, "language": "es"})

    assert [(row.line, row.ok, row.errors) for row in response.context["results"]] == [
        (1, True, []),
        (2, False, ["“INAU” is not in your country's register of institutions: add it first."]),
        (
            3,
            False,
            [
                "This line has 1 column: separate name, e-mail, position and institution with commas, "
                "semicolons or tabs."
            ],
        ),
        (4, False, ["This line has 3 columns, not 4: name, e-mail, position (may be empty) and institution."]),
        (5, False, ["“not-an-address” is not a valid e-mail address."]),
    ]
    # The box holds the rows not saved, and only those, ready to correct and send again.
    assert response.context["form"]["rows"].value() == (
        "Bruno Díaz,bruno@example.org,Asesor,INAU\n"
        "Carla Ruiz | carla@example.org | Técnica | JND\n"
        "Diego Sosa,diego@example.org,JND\n"
        "Eva Luz,not-an-address,,JND"
    )
    assert response.context["form"]["language"].value() == "es"
    page = response.content.decode()
    assert re.findall(r'name="add_institution" value="([^"]+)"', page) == ["INAU"]
    assert list(session.registrations.values_list("email", flat=True)) == ["ana@example.org"]

    # "Add this institution" keeps the box as corrected so far and opens the form with the name.
    corrected = (
        "Bruno Díaz,bruno@example.org,Asesor,INAU\n"
        "Carla Ruiz,carla@example.org,Técnica,JND\n"
        "Diego Sosa,diego@example.org,,JND\n"
        "Eva Luz,eva@example.org,,JND"
    )
    response = client.post(url, {"rows": corrected, "language": "es", "add_institution": "INAU"})
    add_url = reverse("focal_points:institution_create")
    assert response["Location"] == f"{add_url}?name=INAU&session={session.slug}"
    response = client.get(response["Location"])
    assert response.context["form"]["name"].value() == "INAU"
    response = client.post(
        f"{add_url}?name=INAU&session={session.slug}",
        {"name": "Instituto del Niño y Adolescente del Uruguay", "acronym": "INAU", "kind": "social_inclusion"},
    )
    assert response["Location"] == url

    # Back on the bulk page the corrected rows wait in the box, now without a problem.
    response = client.get(url)
    assert response.context["form"]["rows"].value() == corrected
    assert [row.errors for row in response.context["pending"]] == [[], [], [], []]
    assert session.registrations.count() == 1

    response = client.post(url, {"rows": corrected, "language": "es"})
    assert response.context["form"]["rows"].value() == ""
    assert response.context["pending"] == []
    assert sorted(session.registrations.values_list("email", flat=True)) == [
        "ana@example.org",
        "bruno@example.org",
        "carla@example.org",
        "diego@example.org",
        "eva@example.org",
    ]
    assert client.get(url).context["form"]["rows"].value() is None


def test_a_row_refused_for_another_reason_keeps_its_reason_under_the_box(focal_point_uruguay, client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    client.force_login(focal_point_uruguay.user)
    url = reverse("focal_points:nomination_bulk", kwargs={"slug": session.slug})
    client.post(url, {"rows": "Ana Gómez,ana@example.org,,JND", "language": "en"})
    response = client.post(
        url, {"rows": "Ana Gómez;ana@example.org;;JND\nBruno;bruno@example.org;;JND;;", "language": "en"}
    )
    assert [row.errors for row in response.context["pending"]] == [
        ["ana@example.org is already registered for this session."]
    ]
    assert response.context["form"]["rows"].value() == "Ana Gómez;ana@example.org;;JND"
    pending = re.search(
        r'<section class="mb-3" aria-labelledby="pending-heading" id="pending-rows">(.*?)</section>',
        response.content.decode(),
        re.S,
    ).group(1)
    assert re.findall(r"<li>(.*?)</li>", pending) == ["ana@example.org is already registered for this session."]


def test_add_institution_link_returns_only_to_a_bulk_page(focal_point_uruguay, client):
    client.force_login(focal_point_uruguay.user)
    add_url = reverse("focal_points:institution_create")
    response = client.post(
        f"{add_url}?session=https://evil.example.org/", {"name": "Junta Nacional de Drogas", "kind": "ministry"}
    )
    assert response["Location"] == reverse("focal_points:institution_list")


# --- signing in from the invitation, names, times -------------------------------------------------


def test_setting_the_password_signs_in_to_the_dashboard_with_the_name(client, db):
    invitations.invite_focal_point(
        email="rosa.perez@mides.gub.uy", first_name="Rosa", last_name="Pérez", country="UY", language="en"
    )
    invitation = Delivery.objects.get(kind="focal_point_invitation")
    link = re.search(r"https?://\S+/password/reset/key/\S+", invitation.body_text).group(0)
    response = client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"password1": "un-secreto-largo-2026", "password2": "un-secreto-largo-2026"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("focal_points:dashboard")
    assert response.context["user"].email == "rosa.perez@mides.gub.uy"
    page = response.content.decode()
    assert re.search(r'<p class="lead" id="welcome">(.*?)</p>', page).group(1) == "Welcome, Rosa Pérez."
    assert [str(message) for message in response.context["messages"]] == [
        "Password successfully changed.",
        "Successfully signed in as Rosa Pérez.",
    ]
    assert "rosa.perez" not in page.replace("rosa.perez@mides.gub.uy", "")


def test_a_person_without_a_name_is_shown_by_e_mail(db):
    from tests.factories import UserFactory

    assert (
        invitations.display_name(UserFactory(username="fp-xx", email="fp@example.org", first_name="", last_name=""))
        == "fp@example.org"
    )
    assert (
        invitations.display_name(
            UserFactory(username="fp-yy", email="y@example.org", first_name="Ana", last_name="Paz")
        )
        == "Ana Paz"
    )


def test_registration_list_names_the_focal_point_who_nominated(focal_point_uruguay, client):
    session = SessionFactory()
    institution = InstitutionFactory(country="UY")
    nominations.nominate(
        session=session,
        focal_point=focal_point_uruguay,
        data={"full_name": "Ana Gómez", "email": "ana@example.org", "institution": institution, "language": "es"},
    )
    client.force_login(focal_point_uruguay.user)
    page = client.get(reverse("focal_points:registration_list")).content.decode()
    cells = re.findall(r'<td data-label="Registered by">(.*?)</td>', page, re.S)
    assert cells[-1] == 'Focal point<br><span class="small text-body-secondary">Lucía Rodríguez</span>'
    assert "fp-uy" not in page


MAY_12 = datetime(2027, 5, 12, 13, 30, tzinfo=UTC)  # 15:30 in Madrid, 10:30 in Montevideo


def test_pages_show_times_in_the_countrys_zone_beside_the_sessions(focal_point_uruguay, client):
    session = SessionFactory(starts_at=MAY_12, time_zone="Europe/Madrid", duration_minutes=90)
    GuidingQuestionFactory(session=session)
    client.force_login(focal_point_uruguay.user)
    for name in ("dashboard", "nomination_create", "nomination_bulk", "contribution_edit"):
        kwargs = {} if name == "dashboard" else {"slug": session.slug}
        page = client.get(reverse(f"focal_points:{name}", kwargs=kwargs)).content.decode()
        local = re.search(r'<time datetime="[^"]+">(.*?)</time>', page).group(1)
        beside = re.search(
            r'<span class="d-block small text-body-secondary session-zone-time">(.*?)</span>', page
        ).group(1)
        assert (local.startswith("Wednesday, "), local.endswith(", 10:30–12:00 (Montevideo time, UTC-03:00)")) == (
            True,
            True,
        ), name
        assert (
            beside.startswith("Session time: Wednesday, "),
            beside.endswith(", 15:30–17:00 (Madrid time, UTC+02:00)"),
        ) == (True, True), name


def test_a_submission_is_dated_in_both_zones(focal_point_uruguay, client):
    session = SessionFactory(starts_at=MAY_12, time_zone="Europe/Madrid")
    question = GuidingQuestionFactory(session=session)
    contribution = answers.save_contribution(
        session=session, country="UY", answers={question.pk: "x"}, user=focal_point_uruguay.user, submit=True
    )
    Contribution.objects.filter(pk=contribution.pk).update(submitted_at=datetime(2027, 4, 1, 22, 15, tzinfo=UTC))
    client.force_login(focal_point_uruguay.user)
    page = client.get(reverse("focal_points:contribution_edit", kwargs={"slug": session.slug})).content.decode()
    status = " ".join(
        re.sub(r"<[^>]+>", "", re.search(r'id="contribution-status">(.*?)</div>', page, re.S).group(1)).split()
    )
    with translation.override("en"):
        from django.utils import formats

        local_date = formats.date_format(datetime(2027, 4, 1), "DATE_FORMAT")
        madrid_date = formats.date_format(datetime(2027, 4, 2), "DATE_FORMAT")
    assert status == (
        f"Submitted on Thursday, {local_date}, 19:15 (Montevideo time, UTC-03:00). "
        f"In the session's time zone: Friday, {madrid_date}, 00:15 (Madrid time, UTC+02:00) "
        "The answers can no longer be changed; write to the programme team (programme@copolad.local) "
        "if something must be corrected."
    )


def test_the_nominee_mail_gives_the_time_of_their_country_and_the_sessions(
    focal_point_uruguay, db, django_capture_on_commit_callbacks
):
    session = SessionFactory(starts_at=MAY_12, time_zone="Europe/Madrid", duration_minutes=90)
    institution = InstitutionFactory(country="UY")
    # The worker (eager here) writes the message after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        registration = nominations.nominate(
            session=session,
            focal_point=focal_point_uruguay,
            data={"full_name": "Ana Gómez", "email": "ana@example.org", "institution": institution, "language": "en"},
        )
    assert Registration.objects.get(pk=registration.pk).time_zone == "America/Montevideo"
    body = Delivery.objects.get(registration=registration).body_text
    lines = {line.split(":", 1)[0]: line for line in body.splitlines() if line.endswith("time)") or "time:" in line}
    assert lines["Your time"] == "Your time: Wednesday, 12 May 2027, 10:30–12:00 (Montevideo time, UTC-03:00)"
    assert lines["Organiser's time"] == (
        "Organiser's time: Wednesday, 12 May 2027, 15:30–17:00 (Madrid time, UTC+02:00)"
    )


def test_staff_setting_a_password_from_a_link_still_give_their_second_factor(staff, client):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    link = invitations.invitation_link(user=staff, language="en")
    response = client.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    response = client.post(
        response.redirect_chain[-1][0], {"password1": "a-new-long-secret-2026", "password2": "a-new-long-secret-2026"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_a_sent_invitation_keeps_no_copy_of_its_password_link(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite_focal_point(
            email="rosa.perez@mides.gub.uy", first_name="Rosa", last_name="Pérez", country="UY", language="en"
        )

    [message] = mailoutbox
    assert re.search(r"https?://\S+/password/reset/key/\S+", message.body)
    invitation = Delivery.objects.get(kind="focal_point_invitation")
    assert (invitation.status, invitation.body_text, invitation.body_html) == (Delivery.Status.SENT, "", "")
