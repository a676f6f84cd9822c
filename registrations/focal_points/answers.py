"""A country's answers to a session's guiding questions: drafts, submission, reopening by staff."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.nominations import is_closed_for_focal_points
from registrations.models import (
    Contribution,
    ContributionAnswer,
)
from sessions_app.models import GuidingQuestion


class ContributionLocked(FocalPointError):
    pass


def country_contributions(*, country):
    return Contribution.objects.filter(country=country).select_related("session").order_by("-session__starts_at")


def contribution_with_answers(*, session, country):
    """The country's contribution for the session with one answer per guiding question, in
    question order on ``contribution.ordered``. Reads only: before the focal point first saves,
    the contribution and its answers are unsaved, empty objects (``contribution.pk is None``)."""
    contribution = Contribution.objects.filter(session=session, country=country).first()
    existing = {}
    if contribution is None:
        contribution = Contribution(session=session, country=country)
    else:
        existing = {answer.question_id: answer for answer in contribution.answers.all()}
    questions = list(GuidingQuestion.objects.filter(session=session).order_by("order", "pk"))
    contribution.ordered = [
        (question, existing.get(question.pk) or ContributionAnswer(question=question)) for question in questions
    ]
    return contribution


def unanswered_questions(contribution):
    """The guiding questions of ``contribution.ordered`` (see ``contribution_with_answers``) with
    no answer written, with their numbers: ``[(number, question), ...]``."""
    return [
        (number, question)
        for number, (question, answer) in enumerate(contribution.ordered, start=1)
        if not (answer.text or "").strip()
    ]


def contribution_version(contribution):
    """A token of the stored answers as reviewed: it changes whenever a draft is saved."""
    return contribution.updated_at.isoformat() if contribution.updated_at else ""


def _lock_open_contribution(*, session, country):
    if is_closed_for_focal_points(session):
        raise ContributionLocked(_("This session has already started: the answers can no longer be changed."))
    contribution, _created = Contribution.objects.get_or_create(session=session, country=country)
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if locked.status == Contribution.Status.SUBMITTED:
        raise ContributionLocked(_("These answers were submitted and can no longer be changed."))
    return locked


@transaction.atomic
def save_contribution(*, session, country, answers, user, submit=False):
    """Store the answers (``{question_pk: text}``) of ``country`` for ``session`` as a draft,
    creating the contribution on its first save; with ``submit`` (staff tools and tests) submit
    them at once. Returns the Contribution.

    Raises ContributionLocked once submitted or once the session has started, FocalPointError
    when submitting empty answers. Focal points submit through ``submit_contribution`` after
    reviewing the draft.
    """
    if submit and not any((text or "").strip() for text in answers.values()):
        # Checked before anything is written: a refused submission leaves no empty draft behind.
        if is_closed_for_focal_points(session):
            raise ContributionLocked(_("This session has already started: the answers can no longer be changed."))
        raise FocalPointError(_("Answer at least one question before submitting."))
    locked = _lock_open_contribution(session=session, country=country)
    # Only the session's own questions: a forged field name cannot attach an answer elsewhere.
    for question_id in GuidingQuestion.objects.filter(session=session, pk__in=answers).values_list("pk", flat=True):
        ContributionAnswer.objects.update_or_create(
            contribution=locked, question_id=question_id, defaults={"text": answers[question_id]}
        )
    locked.updated_by = user
    if submit:
        locked.status = Contribution.Status.SUBMITTED
        locked.submitted_at = timezone.now()
    locked.save()
    return locked


class ContributionChanged(FocalPointError):
    pass


@transaction.atomic
def submit_contribution(*, session, country, user, version):
    """Submit the country's saved draft, exactly as the focal point reviewed it. Returns the
    Contribution, now submitted and read-only.

    ``version`` is ``contribution_version`` of the draft the review step showed. Raises
    ContributionLocked (already submitted, or the session has started), ContributionChanged when
    the draft was saved again since that review (another tab, a colleague), FocalPointError when
    no question has an answer.
    """
    locked = _lock_open_contribution(session=session, country=country)
    if contribution_version(locked) != version:
        raise ContributionChanged(
            _("The answers were changed after you reviewed them. Check them again before submitting.")
        )
    if not locked.answers.exclude(text__regex=r"^\s*$").exists():
        raise FocalPointError(_("Answer at least one question before submitting."))
    locked.status = Contribution.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.updated_by = user
    locked.save()
    return locked


def with_answers(contributions):
    """Only the contributions with something written: staff pages and exports skip empty drafts."""
    written = ContributionAnswer.objects.filter(contribution=OuterRef("pk")).exclude(text="")
    return contributions.filter(Q(status=Contribution.Status.SUBMITTED) | Exists(written))


@transaction.atomic
def reopen_contribution(*, contribution, user):
    """Staff give a submitted contribution back to the focal point as a draft."""
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    locked.status = Contribution.Status.DRAFT
    locked.submitted_at = None
    locked.updated_by = user
    locked.save()
    return locked
