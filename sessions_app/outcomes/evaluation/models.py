"""The evaluation keeps answers apart from people.

``EvaluationResponse`` and ``Answer`` hold no registration, e-mail, name or time finer than the
day, and their keys are random UUIDs, so neither order nor time can match an answer to the person
whose ``EvaluationInvitation.has_answered`` flag was set in the same transaction."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Questionnaire(models.Model):
    session = models.OneToOneField(
        "sessions_app.Session", on_delete=models.CASCADE, related_name="questionnaire", verbose_name=_("session")
    )
    intro = models.TextField(_("introduction"), blank=True)
    is_open = models.BooleanField(
        _("open for answers"), default=True, help_text=_("Participants are invited once the session has ended.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation questionnaire")
        verbose_name_plural = _("evaluation questionnaires")

    def __str__(self):
        return str(self.session)


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale 1-5")
        CHOICE = "choice", _("Single choice")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCALE)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("choice"), max_length=200)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


class EvaluationInvitation(models.Model):
    """Who was asked and whether they answered: the only link between a person and the evaluation."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("questionnaire")
    )
    registration = models.ForeignKey(
        # No reverse accessor: a registration's fields (and its audit trail) say nothing of the evaluation.
        "registrations.Registration",
        on_delete=models.CASCADE,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    has_answered = models.BooleanField(_("has answered"), default=False)

    class Meta:
        verbose_name = _("evaluation invitation")
        verbose_name_plural = _("evaluation invitations")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "registration"], name="evaluation_invitation_unique"),
        ]

    def __str__(self):
        return f"{self.questionnaire} · {self.registration_id}"


class EvaluationResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="responses", verbose_name=_("questionnaire")
    )
    answered_on = models.DateField(_("answered on"))
    language = models.CharField(_("language"), max_length=5)

    class Meta:
        verbose_name = _("evaluation response")
        verbose_name_plural = _("evaluation responses")

    def __str__(self):
        return f"{self.questionnaire} · {self.answered_on}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(EvaluationResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="evaluation_answer_unique"),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="evaluation_answer_scale_1_5",
            ),
        ]

    def __str__(self):
        return str(self.question)
