"""The evaluation's results for the figures page: counts, averages, free text, response rate."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from registrations.models import Registration
from registrations.reporting.figures import bar_chart
from sessions_app.outcomes.evaluation.models import Answer, EvaluationResponse, Question, Questionnaire


@dataclass
class Row:
    label: str
    answers: int


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    average: float | None = None
    rows: list = field(default_factory=list)  # Row per scale value or choice
    texts: list = field(default_factory=list)


@dataclass
class Results:
    questionnaire: Questionnaire
    responses: int
    attendees: int
    questions: list

    @property
    def response_rate(self):
        return round(100 * self.responses / self.attendees) if self.attendees else None


def questionnaire_results(questionnaire):
    """Results of one questionnaire (see ``results_for_questionnaires``)."""
    return _results([questionnaire])[0]


def _results(questionnaires):
    """Results of several questionnaires in a fixed number of queries, whatever the number of
    questionnaires, questions and answers."""
    if not questionnaires:
        return []
    ids = [questionnaire.pk for questionnaire in questionnaires]
    questions = list(Question.objects.filter(questionnaire_id__in=ids).prefetch_related("choices"))
    responses = dict(
        EvaluationResponse.objects.filter(questionnaire_id__in=ids)
        .values_list("questionnaire_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    attendees = dict(
        Registration.objects.filter(
            session_id__in=[questionnaire.session_id for questionnaire in questionnaires],
            status=Registration.Status.ATTENDED,
        )
        .values_list("session_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    answers = Answer.objects.filter(question__questionnaire_id__in=ids)
    scale_counts = {
        (row["question_id"], row["scale"]): row["n"]
        for row in answers.filter(scale__isnull=False).values("question_id", "scale").annotate(n=Count("pk")).order_by()
    }
    averages = {
        row["question_id"]: row["average"]
        for row in answers.filter(scale__isnull=False).values("question_id").annotate(average=Avg("scale")).order_by()
    }
    choice_counts = {
        row["choice_id"]: row["n"]
        for row in answers.filter(choice__isnull=False).values("choice_id").annotate(n=Count("pk")).order_by()
    }
    texts = {}
    for question_id, text in (
        answers.exclude(text="").order_by("question_id", "text").values_list("question_id", "text")
    ):
        texts.setdefault(question_id, []).append(text)
    by_questionnaire = {}
    for question in questions:
        result = QuestionResult(question=question)
        if question.kind == Question.Kind.SCALE:
            result.rows = [Row(str(value), scale_counts.get((question.pk, value), 0)) for value in range(1, 6)]
            average = averages.get(question.pk)
            result.average = round(average, 2) if average is not None else None
        elif question.kind == Question.Kind.CHOICE:
            result.rows = [Row(choice.text, choice_counts.get(choice.pk, 0)) for choice in question.choices.all()]
        else:
            result.texts = texts.get(question.pk, [])
        result.answered = sum(row.answers for row in result.rows) if result.rows else len(result.texts)
        by_questionnaire.setdefault(question.questionnaire_id, []).append(result)
    return [
        Results(
            questionnaire=questionnaire,
            responses=responses.get(questionnaire.pk, 0),
            attendees=attendees.get(questionnaire.session_id, 0),
            questions=by_questionnaire.get(questionnaire.pk, []),
        )
        for questionnaire in questionnaires
    ]


def results_table(results):
    """(caption, header, rows) for the CSV export: one row per question and value, then free text."""
    header = [_("Question"), _("Kind"), _("Value"), _("Answers"), _("Average")]
    rows = []
    for result in results.questions:
        for row in result.rows:
            rows.append([result.question.text, result.question.get_kind_display(), row.label, row.answers, ""])
        if result.average is not None:
            rows.append(
                [
                    result.question.text,
                    result.question.get_kind_display(),
                    _("Average"),
                    result.answered,
                    result.average,
                ]
            )
        for text in result.texts:
            rows.append([result.question.text, result.question.get_kind_display(), text, 1, ""])
    rows.append([_("Responses"), "", "", results.responses, ""])
    rows.append([_("Attendees"), "", "", results.attendees, ""])
    return _("Evaluation"), header, rows


def results_for_sessions(sessions):
    """Results of the questionnaires of ``sessions``, with a chart per question that has values."""
    questionnaires = (
        Questionnaire.objects.filter(session__in=sessions)
        .select_related("session__group")
        .order_by("session__starts_at")
    )
    all_results = _results(list(questionnaires))
    for results in all_results:
        for result in results.questions:
            result.chart = (
                bar_chart(
                    chart_id=f"chart-question-{result.question.pk}",
                    title=result.question.text,
                    description=_("Answers per value"),
                    rows=result.rows,
                    series=(("answers", "registered"),),
                )
                if result.rows
                else ""
            )
    return all_results
