"""The anonymous evaluation: once per person, nothing that points back to them, invited once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from registrations.models import Delivery, Registration
from sessions_app.outcomes.evaluation import invitations, results
from sessions_app.outcomes.models import Answer, EvaluationInvitation, EvaluationResponse
from tests.factories import ChoiceFactory, QuestionFactory, QuestionnaireFactory, RegistrationFactory, SessionFactory
from tests.sessions_app.pages import status_and_headings

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire():
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=1), status="held", title="Sesión 2")
    questionnaire = QuestionnaireFactory(session=session)
    QuestionFactory(questionnaire=questionnaire, kind="scale", text_en="Useful?", text_es="¿Útil?", order=1)
    choice_question = QuestionFactory(questionnaire=questionnaire, kind="choice", text_en="Best part?", order=2)
    ChoiceFactory(question=choice_question, text_en="Debate", order=1)
    ChoiceFactory(question=choice_question, text_en="Experiences", order=2)
    QuestionFactory(questionnaire=questionnaire, kind="text", text_en="Next topic?", order=3)
    return questionnaire


def _url(registration, language="en"):
    with translation.override(language):
        return reverse("outcomes:evaluation", kwargs={"token": registration.token})


def _answers(questionnaire, scale="4", choice_index=1, text="Mujeres y prisión"):
    questions = list(questionnaire.questions.order_by("order"))
    choice = list(questions[1].choices.order_by("order"))[choice_index]
    return {f"q{questions[0].pk}": scale, f"q{questions[1].pk}": str(choice.pk), f"q{questions[2].pk}": text}


def test_a_participant_answers_once_and_a_second_post_through_the_same_link_is_refused(client, questionnaire):
    registration = RegistrationFactory(session=questionnaire.session, status=Registration.Status.ATTENDED)
    page = client.get(_url(registration))
    assert page.status_code == 200
    assert "Useful?" in page.content.decode()
    first = client.post(_url(registration), _answers(questionnaire))
    assert first.status_code == 200
    assert "Your answers are saved." in first.content.decode()
    second = client.post(_url(registration), _answers(questionnaire, scale="1"))
    assert second.status_code == 409
    assert "You have already answered this evaluation." in second.content.decode()
    assert EvaluationResponse.objects.count() == 1
    assert sorted(Answer.objects.exclude(scale=None).values_list("scale", flat=True)) == [4]
    assert EvaluationInvitation.objects.get(registration=registration).has_answered is True


def test_the_stored_answer_holds_no_registration_id_email_or_name(client, questionnaire):
    registration = RegistrationFactory(
        session=questionnaire.session,
        status=Registration.Status.CONFIRMED,
        email="maria.goncalves@example.org",
        full_name="Maria Gonçalves",
    )
    client.post(_url(registration), _answers(questionnaire, text="Gracias"))
    for table in (EvaluationResponse._meta.db_table, Answer._meta.db_table):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        assert not any("registration" in column or "email" in column or "name" in column for column in columns)
        flat = " ".join(str(value) for row in rows for value in row)
        assert "maria" not in flat.lower() and "Gonçalves" not in flat
    response = EvaluationResponse.objects.get()
    assert response.answered_on == timezone.localdate()
    assert [field.name for field in EvaluationResponse._meta.concrete_fields] == [
        "id",
        "questionnaire",
        "answered_on",
        "language",
    ]
    assert str(EvaluationResponse._meta.get_field("answered_on").get_internal_type()) == "DateField"


def test_only_confirmed_participants_and_attendees_after_the_session_may_answer(client, questionnaire):
    pending = RegistrationFactory(session=questionnaire.session, status=Registration.Status.PENDING)
    future = SessionFactory(starts_at=timezone.now() + timedelta(days=3))
    QuestionnaireFactory(session=future)
    early = RegistrationFactory(session=future, status=Registration.Status.CONFIRMED)

    assert status_and_headings(client.get(_url(pending))) == (404, ["No evaluation to answer"])
    assert status_and_headings(client.get(_url(early))) == (404, ["No evaluation to answer"])


def test_the_invitation_goes_out_once_per_person_in_their_language(questionnaire, django_capture_on_commit_callbacks):
    spanish = RegistrationFactory(session=questionnaire.session, status=Registration.Status.CONFIRMED, language="es")
    portuguese = RegistrationFactory(session=questionnaire.session, status=Registration.Status.ATTENDED, language="pt")
    RegistrationFactory(session=questionnaire.session, status=Registration.Status.CANCELLED)
    RegistrationFactory(session=questionnaire.session, status=Registration.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invite_due() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invite_due() == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted([spanish.email, portuguese.email])
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[spanish.email].subject == "Su opinión sobre Sesión 2"
    assert by_address[portuguese.email].subject == "Sua opinião sobre Sesión 2"
    assert f"/pt/registrations/{portuguese.token}/evaluation/" in by_address[portuguese.email].body
    assert Delivery.objects.filter(kind="evaluation").count() == 2


def test_nobody_is_invited_before_the_session_has_ended(django_capture_on_commit_callbacks):
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=30), duration_minutes=90)
    QuestionnaireFactory(session=session)
    RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invite_due() == 0
    assert mail.outbox == []


def test_the_private_page_links_the_evaluation_until_answered(client, questionnaire):
    registration = RegistrationFactory(session=questionnaire.session, status=Registration.Status.CONFIRMED)
    manage = reverse("registrations:manage", kwargs={"token": registration.token})
    assert f'href="{_url(registration)}"' in client.get(manage).content.decode()
    client.post(_url(registration), _answers(questionnaire))
    page = client.get(manage).content.decode()
    assert "Thank you: you have answered the evaluation." in page
    assert 'id="evaluation-link"' not in page


def test_results_count_average_and_list_free_text_against_attendees(client, questionnaire):
    people = [RegistrationFactory(session=questionnaire.session, status=Registration.Status.ATTENDED) for _ in range(4)]
    for person, scale, text in zip(people[:3], ("5", "4", "3"), ("Prisión", "", "Jóvenes"), strict=True):
        client.post(_url(person), _answers(questionnaire, scale=scale, text=text))
    outcome = results.questionnaire_results(questionnaire)
    assert (outcome.responses, outcome.attendees, outcome.response_rate) == (3, 4, 75)
    scale, choice, free = outcome.questions
    assert scale.average == 4.0
    assert [(row.label, row.answers) for row in scale.rows] == [("1", 0), ("2", 0), ("3", 1), ("4", 1), ("5", 1)]
    assert [(row.label, row.answers) for row in choice.rows] == [("Debate", 0), ("Experiences", 3)]
    assert free.texts == ["Jóvenes", "Prisión"]


def test_the_figures_page_shows_the_results_and_exports_them_as_csv(client, staff, questionnaire):
    person = RegistrationFactory(session=questionnaire.session, status=Registration.Status.ATTENDED)
    client.post(_url(person), _answers(questionnaire, text="=1+2"))
    client.force_login(staff)
    admin_client = client
    url = reverse("admin:sessions_app_session_figures")
    page = admin_client.get(url).content.decode()
    assert page.count('<h2 id="evaluation-figures">Participants\' evaluation</h2>') == 1
    assert "response rate 100 % of attendees" in page
    assert 'id="chart-question-' in page
    csv_text = admin_client.get(url, {"csv": f"evaluation-{questionnaire.pk}"}).content.decode("utf-8-sig")
    assert '"Useful?","Scale 1-5","Average","1","4.0"' in csv_text
    assert "'=1+2" in csv_text


@pytest.mark.parametrize("sessions", [1, 4])
def test_the_figures_pages_evaluation_costs_the_same_queries_whatever_the_number_of_sessions(
    client, staff, sessions, django_assert_num_queries
):
    for number in range(sessions):
        session = SessionFactory(starts_at=timezone.now() - timedelta(days=number + 1), status="held")
        questionnaire = QuestionnaireFactory(session=session)
        QuestionFactory(questionnaire=questionnaire, kind="scale")
        ChoiceFactory(question=QuestionFactory(questionnaire=questionnaire, kind="choice"))
        person = RegistrationFactory(session=session, status=Registration.Status.ATTENDED)
        client.post(_url(person), {f"q{question.pk}": "3" for question in questionnaire.questions.filter(kind="scale")})
    client.force_login(staff)
    # The 16 of the figures without an evaluation (test_figures) and the questions, their choices, the
    # responses, the attendees, the scale counts, the averages, the choice counts and the free texts.
    with django_assert_num_queries(24):
        page = client.get(reverse("admin:sessions_app_session_figures")).content.decode()
    assert page.count('class="evaluation-results"') == sessions


def test_a_persons_export_shows_the_flag_not_the_answers_and_erasure_removes_the_flag(client, questionnaire):
    from registrations.privacy.personal_data import erase_personal_data, export_personal_data

    person = RegistrationFactory(session=questionnaire.session, status=Registration.Status.ATTENDED)
    client.post(_url(person), _answers(questionnaire, text="Texto que nadie puede atribuir"))
    data = export_personal_data(registration=person)
    assert data["evaluation"] == [{"session": "Sesión 2", "invited_at": None, "has_answered": True}]
    assert "Texto que nadie puede atribuir" not in str(data)
    erase_personal_data(registration=person)
    assert EvaluationInvitation.objects.count() == 0
    assert EvaluationResponse.objects.count() == 1  # anonymous: it stays


def test_the_stored_invitation_holds_no_private_key(questionnaire, django_capture_on_commit_callbacks):
    person = RegistrationFactory(session=questionnaire.session, status=Registration.Status.CONFIRMED, language="es")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite_due()
    stored = Delivery.objects.get(kind="evaluation")
    assert person.token not in stored.body_text + stored.body_html
    assert person.token in mail.outbox[0].body
