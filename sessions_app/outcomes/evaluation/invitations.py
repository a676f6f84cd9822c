"""Inviting participants to the evaluation: once per person, after the session, in their language."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.links import absolute_reverse
from registrations.models import Registration
from registrations.outbox.queueing import queue_email
from registrations.tokens import LINK_PLACEHOLDER
from sessions_app.outcomes.evaluation.models import EvaluationInvitation, Questionnaire

INVITED_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def due_questionnaires(*, now=None):
    now = now or timezone.now()
    return [
        questionnaire
        for questionnaire in Questionnaire.objects.filter(is_open=True, session__starts_at__lte=now).select_related(
            "session"
        )
        if questionnaire.session.ends_at <= now
    ]


def invite_participants(*, questionnaire, now=None):
    """Queue one e-mail per confirmed participant or attendee not invited yet; return how many.

    Safe to run twice or at once in two workers: the invitation row is unique per person and the
    outbox key is unique per questionnaire and person, so nobody is written to twice."""
    now = now or timezone.now()
    session = questionnaire.session
    invited = set(
        EvaluationInvitation.objects.filter(questionnaire=questionnaire, invited_at__isnull=False).values_list(
            "registration_id", flat=True
        )
    )
    registrations = (
        Registration.objects.filter(session=session, status__in=INVITED_STATUSES, anonymised_at__isnull=True)
        .exclude(pk__in=invited)
        .only("pk", "email", "full_name", "language", "link_nonce", "session_id")
    )
    count = 0
    for registration in registrations:
        with transaction.atomic():
            try:
                invitation, _created = EvaluationInvitation.objects.get_or_create(
                    questionnaire=questionnaire, registration=registration
                )
            except IntegrityError:
                continue
            if invitation.invited_at is not None or invitation.has_answered:
                continue
            invitation.invited_at = now
            invitation.save(update_fields=["invited_at"])
            # The stored message holds a placeholder; the outbox puts the person's key in only as it
            # sends (registrations.tokens: stored e-mails never hold a key).
            url = absolute_reverse(
                "outcomes:evaluation", kwargs={"token": LINK_PLACEHOLDER}, language=registration.language
            )
            queue_email(
                key=f"evaluation:{questionnaire.pk}:{registration.pk}",
                kind="evaluation",
                to_email=registration.email,
                language=registration.language,
                registration=registration,
                template="evaluation_invitation",
                context={"registration": registration, "session": session, "url": url},
            )
            count += 1
    return count


def invite_due(*, now=None):
    return sum(
        invite_participants(questionnaire=questionnaire, now=now) for questionnaire in due_questionnaires(now=now)
    )
