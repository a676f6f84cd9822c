"""Answering the evaluation: once per person, stored apart from them."""

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models import Registration
from sessions_app.outcomes.evaluation.models import (
    Answer,
    EvaluationInvitation,
    EvaluationResponse,
    Question,
    Questionnaire,
)

SCALE_CHOICES = [(str(value), str(value)) for value in range(1, 6)]


class AlreadyAnswered(Exception):
    pass


def questionnaire_for(session):
    """The session's questionnaire with its questions and choices (two queries), or None."""
    questionnaire = Questionnaire.objects.filter(session=session).first()
    if questionnaire is None:
        return None
    questionnaire.question_list = list(questionnaire.questions.prefetch_related("choices"))
    return questionnaire


def may_answer(*, registration, questionnaire, now=None):
    """Confirmed participants and attendees, once the session has ended, while it is open."""
    session = registration.session
    return bool(
        questionnaire is not None
        and questionnaire.is_open
        and session.ends_at <= (now or timezone.now())
        and registration.status in (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)
    )


def has_answered(*, registration, questionnaire):
    return EvaluationInvitation.objects.filter(
        questionnaire=questionnaire, registration=registration, has_answered=True
    ).exists()


class EvaluationForm(forms.Form):
    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for question in questionnaire.question_list:
            name = f"q{question.pk}"
            if question.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=SCALE_CHOICES, coerce=int, widget=forms.RadioSelect, required=question.required
                )
                field.help_text = _("1 = very poor, 5 = excellent")
            elif question.kind == Question.Kind.CHOICE:
                field = forms.TypedChoiceField(
                    choices=[(str(choice.pk), choice.text) for choice in question.choices.all()],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=question.required,
                )
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 4}), max_length=3000, required=question.required
                )
            field.label = question.text
            field.question = question
            self.fields[name] = field


@transaction.atomic
def record_answers(*, registration, questionnaire, cleaned_data, language):
    """Store one response (no person, only the day) and set the person's has-answered flag.

    Raises AlreadyAnswered if the flag was set already, by this request's twin or an earlier one:
    the flag's row is locked first, so two simultaneous POSTs store one response."""
    invitation, _created = EvaluationInvitation.objects.get_or_create(
        questionnaire=questionnaire, registration=registration
    )
    invitation = EvaluationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.has_answered:
        raise AlreadyAnswered
    response = EvaluationResponse.objects.create(
        questionnaire=questionnaire, answered_on=timezone.localdate(), language=language
    )
    answers = []
    for question in questionnaire.question_list:
        value = cleaned_data.get(f"q{question.pk}")
        if value in (None, ""):
            continue
        answer = Answer(response=response, question=question)
        if question.kind == Question.Kind.SCALE:
            answer.scale = value
        elif question.kind == Question.Kind.CHOICE:
            answer.choice_id = value
        else:
            answer.text = value.strip()
        answers.append(answer)
    Answer.objects.bulk_create(answers)
    invitation.has_answered = True
    try:
        invitation.save(update_fields=["has_answered"])
    except IntegrityError:  # pragma: no cover - the lock above makes this unreachable
        raise AlreadyAnswered from None
    return response
