from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from common import uploads


class Population(models.Model):
    slug = models.SlugField(_("address in the URL"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("population")
        verbose_name_plural = _("populations")

    def __str__(self):
        return self.name


class Practice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Sent back for changes")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    class Region(models.TextChoices):
        EU = "eu", _("European Union")
        LATIN_AMERICA = "latin_america", _("Latin America")
        CARIBBEAN = "caribbean", _("The Caribbean")
        BIREGIONAL = "biregional", _("EU, Latin America and the Caribbean")

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before the criminal system")
        POLICE = "police", _("Police and pre-trial")
        JUDICIAL = "judicial", _("Judicial")
        PRISON = "prison", _("Prison")
        RELEASE = "release", _("After release and reintegration")
        DECRIMINALISATION = "decriminalisation", _("Decriminalisation of use")

    class Type(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        LAW = "law", _("Law or reform")
        PROTOCOL = "protocol", _("Protocol")
        SERVICE = "service", _("Service")
        STUDY = "study", _("Study")

    class Evaluation(models.TextChoices):
        NOT_EVALUATED = "not_evaluated", _("Not evaluated")
        MONITORED = "monitored", _("Monitored")
        INTERNAL = "internal", _("Evaluated internally")
        EXTERNAL = "external", _("Evaluated externally")

    # Blank at the model level: a practice is written in one language, any of the three (the forms
    # ask for the title and summary in the language being written).
    title = models.CharField(_("title"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Basic formatting is kept; anything else is removed.")
    )
    results = models.TextField(_("results"), blank=True)
    original_language = models.CharField(_("written in"), max_length=5, choices=settings.LANGUAGES, default="es")
    country = CountryField(_("country"), blank=True)
    region = models.CharField(
        _("or region"), max_length=20, choices=Region.choices, blank=True, help_text=_("When it is not one country's.")
    )
    institutions = models.ManyToManyField(
        "registrations.Institution", blank=True, related_name="practices", verbose_name=_("implementing institutions")
    )
    stage = models.CharField(_("stage of the criminal process"), max_length=20, choices=Stage.choices, blank=True)
    themes = models.ManyToManyField(
        "sessions_app.ThematicFocus", blank=True, related_name="practices", verbose_name=_("themes")
    )
    populations = models.ManyToManyField(
        Population, blank=True, related_name="practices", verbose_name=_("populations")
    )
    practice_type = models.CharField(_("type"), max_length=20, choices=Type.choices, blank=True)
    evaluation = models.CharField(
        _("evaluation"), max_length=20, choices=Evaluation.choices, default=Evaluation.NOT_EVALUATED
    )
    evaluation_url = models.URLField(_("link to the evaluation"), max_length=500, blank=True)
    period_start = models.PositiveSmallIntegerField(_("since (year)"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(
        _("until (year)"), null=True, blank=True, help_text=_("Blank: ongoing.")
    )
    links = models.TextField(_("links"), blank=True, help_text=_("One web address per line."))
    session = models.ForeignKey(
        "sessions_app.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
        verbose_name=_("presented in session"),
    )
    agenda_item = models.ForeignKey(
        "agenda.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
        verbose_name=_("agenda item"),
    )
    speaker = models.ForeignKey(
        "agenda.Speaker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
        verbose_name=_("speaker"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_message = models.TextField(_("message to the focal point"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-updated_at", "pk"]
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        indexes = [models.Index(fields=["status", "country"], name="practice_status_country")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="practice_period_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("practices:detail", kwargs={"pk": self.pk})

    @property
    def place(self):
        return self.country.name if self.country else self.get_region_display()

    @property
    def link_list(self):
        return [line.strip() for line in self.links.splitlines() if line.strip().startswith(("http://", "https://"))]

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class PracticeDocument(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="es")
    file = models.FileField(
        _("file"), upload_to=uploads.UploadTo("practices"), max_length=255, validators=[uploads.validate_document_file]
    )
    file_kind = models.CharField(
        _("file type"), max_length=10, choices=uploads.KIND_CHOICES, blank=True, editable=False
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("practice document")
        verbose_name_plural = _("practice documents")

    def __str__(self):
        return self.title

    @property
    def filename(self):
        kind = uploads.KINDS.get(self.file_kind, uploads.PDF)
        return uploads.clean_filename(self.title, kind=kind)
