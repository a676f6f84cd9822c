"""Institutions, the focal points who speak for a country, and their answers to a session's questions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from sessions_app.models import Session


class Institution(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or government agency")
        JUDICIARY = "judiciary", _("Judiciary")
        PROSECUTION = "prosecution", _("Public prosecution")
        PUBLIC_DEFENCE = "public_defence", _("Public defence")
        HEALTH = "health", _("Health")
        SOCIAL_INCLUSION = "social_inclusion", _("Social and labour inclusion")
        EDUCATION = "education", _("Education")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        PRIVATE_SECTOR = "private_sector", _("Private sector")
        ACADEMIA = "academia", _("Academia")
        INTERNATIONAL = "international", _("International organisation")

    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")
        NON_PROFIT = "non_profit", _("Non-profit")
        MIXED = "mixed", _("Mixed")

    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    country = CountryField(_("country"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    verified = models.BooleanField(_("verified by staff"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class FocalPoint(models.Model):
    """A user who speaks for one country in the working group."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_point", verbose_name=_("user")
    )
    country = CountryField(_("country"))
    institution = models.ForeignKey(
        Institution, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("institution")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.email} · {self.country.name}"


class Contribution(models.Model):
    """A country's answers to a session's guiding questions, written by its focal point."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("session")
    )
    country = CountryField(_("country"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["session", "country"]
        verbose_name = _("country contribution")
        verbose_name_plural = _("country contributions")
        constraints = [models.UniqueConstraint(fields=["session", "country"], name="contribution_unique_per_country")]

    def __str__(self):
        return f"{self.session} · {self.country.name}"


class ContributionAnswer(models.Model):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="answers", verbose_name=_("contribution")
    )
    question = models.ForeignKey(
        "sessions_app.GuidingQuestion", on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["question__order", "question__pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["contribution", "question"], name="contribution_answer_unique"),
        ]

    def __str__(self):
        return f"{self.contribution} · {self.question}"
