from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Speaker(models.Model):
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=300, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    country = CountryField(_("country"), blank=True)
    bio = models.TextField(_("short bio"), blank=True)
    # Private: used by staff to contact the speaker, never rendered on a public page.
    email = models.EmailField(_("e-mail (private)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return self.name


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        MAIN_PRESENTATION = "main_presentation", _("Main presentation")
        ROUND_TABLE = "round_table", _("Round table")
        EXPERIENCES = "experiences", _("Experiences / panel")
        PRESENTATION = "presentation", _("Presentation")
        OPEN_DEBATE = "open_debate", _("Open debate")
        CLOSING = "closing", _("Closing")
        BREAK = "break", _("Break")

    # By name: the agenda sits below the session core, which imports it (selectors, admin, timing).
    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("session")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("inside item"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    start_offset_minutes = models.PositiveIntegerField(
        _("fixed start (minutes after the start of the session or parent)"),
        null=True,
        blank=True,
        help_text=_("Leave blank to start right after the previous item."),
    )
    country = CountryField(_("country"), blank=True, help_text=_("For a country's experience."))
    speakers = models.ManyToManyField(
        Speaker, through="AgendaRole", related_name="agenda_items", verbose_name=_("speakers")
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="agenda_item_not_own_parent"),
        ]

    def __str__(self):
        return self.title


class AgendaRole(models.Model):
    class Role(models.TextChoices):
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")
        CHAIR = "chair", _("Chair")
        PANELLIST = "panellist", _("Panellist")
        HOST = "host", _("Host")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="roles", verbose_name=_("agenda item"))
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="roles", verbose_name=_("speaker"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SPEAKER)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["item", "speaker", "role"], name="agenda_role_unique"),
        ]

    def __str__(self):
        return f"{self.speaker} ({self.get_role_display()})"
