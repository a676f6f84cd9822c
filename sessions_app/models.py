"""The session core's models: working groups, sessions and their parts, conclusions, roadmap, documents.

One module past 400 lines on purpose: Django's migrations and the admin expect an app's models in
``models``, and these are the tables of one concern (a session and what is written about it).
"""

import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from common import uploads
from common.timezones import selectable_zone


def validate_time_zone(value):
    if not selectable_zone(value):
        raise ValidationError(_("“%(value)s” is not an IANA time zone such as Europe/Madrid."), params={"value": value})


def default_reminder_offsets():
    return [24 * 60, 60]


def validate_reminder_offsets(value):
    if not isinstance(value, list) or not all(isinstance(item, int) and 0 < item <= 60 * 24 * 60 for item in value):
        raise ValidationError(_("Give a list of whole minutes before the start, for example [1440, 60]."))


class ThematicFocus(models.Model):
    """A cross-cutting focus of the group: public health, non-criminalisation, gender, human rights."""

    slug = models.SlugField(_("address in the URL"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("thematic focus")
        verbose_name_plural = _("thematic focuses")

    def __str__(self):
        return self.name


class WorkingGroup(models.Model):
    programme = models.CharField(_("programme"), max_length=120, default="COPOLAD III")
    outcome_code = models.CharField(_("outcome code"), max_length=20, help_text=_("For example 3.5"))
    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("address in the URL"), unique=True)
    description = models.TextField(_("description"), blank=True)
    thematic_focuses = models.ManyToManyField(ThematicFocus, blank=True, verbose_name=_("thematic focuses"))
    # Who signs this group's certificates of participation, printed under the signature line.
    signatory_name = models.CharField(
        _("certificate signatory"), max_length=200, blank=True, help_text=_("For example María Pérez Gómez")
    )
    signatory_title = models.CharField(
        _("signatory's title"), max_length=200, blank=True, help_text=_("For example Coordinator of the working group")
    )

    class Meta:
        ordering = ["programme", "outcome_code"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self):
        return f"{self.programme} · {self.outcome_code} · {self.name}"


MAX_LOGO_BYTES = 1_000_000


def validate_logo_size(upload):
    if upload.size > MAX_LOGO_BYTES:
        raise ValidationError(_("The file is larger than 1 MB."))


def logo_upload_to(logo, filename):
    return f"logos/{logo.group_id}/{filename}"


class GroupLogo(models.Model):
    """A logo printed at the top of the group's certificates (the programme's, the EU's...)."""

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="logos", verbose_name=_("working group")
    )
    image = models.ImageField(
        _("image"),
        upload_to=logo_upload_to,
        max_length=300,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"]), validate_logo_size],
        help_text=_("PNG or JPEG, up to 1 MB; printed about 2 cm high."),
    )
    description = models.CharField(_("description"), max_length=200, help_text=_("For example European Union"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("logo")
        verbose_name_plural = _("logos")

    def __str__(self):
        return self.description


class Session(models.Model):
    class Format(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        REGISTRATION_OPEN = "registration_open", _("Registration open")
        REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
        HELD = "held", _("Held")
        CONCLUSIONS_PUBLISHED = "conclusions_published", _("Conclusions published")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("working group")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("address in the URL"),
        unique=True,
        max_length=120,
        help_text=_("Filled in from the title: the last part of the session page's address."),
    )
    # Stable identity for calendar files: the UID never changes, SEQUENCE rises on reschedule.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    starts_at = models.DateTimeField(_("start"), help_text=_("Entered in the session's time zone."))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Madrid",
        validators=[validate_time_zone],
        help_text=_("IANA name of the organiser's time zone, e.g. Europe/Madrid."),
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, default=Format.VIRTUAL)
    venue = models.CharField(
        _("venue or platform"), max_length=200, blank=True, help_text=_("For example Zoom webinar")
    )
    join_url = models.URLField(
        _("registration or join link on the video platform"),
        max_length=500,
        blank=True,
        help_text=_("Shown only to confirmed participants."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave blank for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.DRAFT)
    languages = models.CharField(
        _("working languages"), max_length=100, blank=True, help_text=_("For example Spanish, English (interpretation)")
    )
    context = models.TextField(_("context"), blank=True)
    main_outcome = models.TextField(_("main outcome"), blank=True)
    target_participants = models.TextField(_("participating institutions and individuals"), blank=True)
    thematic_focuses = models.ManyToManyField(ThematicFocus, blank=True, verbose_name=_("thematic focuses"))
    reminder_offsets_minutes = models.JSONField(
        _("reminders (minutes before the start)"),
        default=default_reminder_offsets,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_("Confirmed participants get a reminder this many minutes before the start, e.g. [1440, 60]."),
    )
    certificate_min_percent = models.PositiveSmallIntegerField(
        _("minimum attendance for a certificate (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of the session's duration a person must attend; 0 for no minimum."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="session_number_unique_in_group"),
            models.CheckConstraint(
                condition=models.Q(registration_closes_at__isnull=True)
                | models.Q(registration_opens_at__isnull=True)
                | models.Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="session_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(certificate_min_percent__lte=100), name="session_certificate_min_percent_range"
            ),
        ]

    def __str__(self):
        return f"{self.group.outcome_code} · {_('Session')} {self.number}: {self.title}"

    def get_absolute_url(self):
        return reverse("sessions_app:detail", kwargs={"slug": self.slug})

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_public(self):
        return self.status != self.Status.DRAFT

    def is_past(self, now=None):
        """Over: its end is not after ``now`` (default: this moment). The one rule every "past" check calls."""
        return self.ends_at <= (now or timezone.now())

    def registration_is_open(self, now=None):
        """Open when staff opened it, inside the window if one is set, and before the session ends."""
        now = now or timezone.now()
        if self.status != self.Status.REGISTRATION_OPEN or self.is_past(now):
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        if self.registration_closes_at and now >= self.registration_closes_at:
            return False
        return True


class Objective(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("session"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("specific objective")
        verbose_name_plural = _("specific objectives")

    def __str__(self):
        return self.text[:80]


class MethodologyStep(models.Model):
    class Moment(models.TextChoices):
        BEFORE = "before", _("Prior to the session")
        DURING = "during", _("During the session")
        AFTER = "after", _("After the session")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="methodology_steps", verbose_name=_("session")
    )
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("methodology step")
        verbose_name_plural = _("methodology steps")

    def __str__(self):
        return f"{self.get_moment_display()}: {self.text[:60]}"


class GuidingQuestion(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="guiding_questions", verbose_name=_("session")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("question"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("guiding question")
        verbose_name_plural = _("guiding questions")

    def __str__(self):
        return self.text[:80]


# After the session: conclusions, roadmap and the PDF documents rendered from them.


class Conclusions(models.Model):
    """The conclusions of one session, typed by staff in en/es/pt (sanitised HTML)."""

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, related_name="conclusions", verbose_name=_("session")
    )
    # Rich text: always stored sanitised by sessions_app.outcomes.conclusions.sanitize_rich_text.
    body = models.TextField(_("conclusions"), blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Public conclusions and roadmap can be downloaded by anyone; otherwise only by registrants."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("conclusions")
        verbose_name_plural = _("conclusions")

    def __str__(self):
        return str(self.session)


class RoadmapItem(models.Model):
    """An action of the working group's roadmap; the roadmap spans the group's sessions."""

    class Owner(models.TextChoices):
        PROGRAMME = "programme", _("The programme")
        COUNTRY = "country", _("A country")
        INSTITUTION = "institution", _("An institution")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="roadmap_items", verbose_name=_("working group")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner_kind = models.CharField(_("owner"), max_length=20, choices=Owner.choices, default=Owner.PROGRAMME)
    owner_country = CountryField(_("owner country"), blank=True)
    owner_institution = models.ForeignKey(
        "registrations.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_items",
        verbose_name=_("owner institution"),
    )
    period = models.CharField(_("period"), max_length=100, blank=True, help_text=_("For example Q3 2023"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    follow_up_session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_up_roadmap_items",
        verbose_name=_("followed up in session"),
    )
    # The session whose participants agreed the action: its zone decides when the action is overdue.
    agreed_session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreed_roadmap_items",
        verbose_name=_("agreed in session"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(owner_kind="programme", owner_country="", owner_institution__isnull=True)
                    | (models.Q(owner_kind="country", owner_institution__isnull=True) & ~models.Q(owner_country=""))
                    | models.Q(owner_kind="institution", owner_country="", owner_institution__isnull=False)
                ),
                name="roadmap_item_owner_matches_kind",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_display(self):
        if self.owner_kind == self.Owner.COUNTRY:
            return self.owner_country.name
        if self.owner_kind == self.Owner.INSTITUTION and self.owner_institution_id:
            return str(self.owner_institution)
        return self.group.programme


class RoadmapUpdate(models.Model):
    """One entry of an action's timeline: who reported, when, the status it moved from and to, and a
    dated progress note with an optional link or document. Entries are never edited."""

    class Role(models.TextChoices):
        FOCAL_POINT = "focal_point", _("Focal point")
        STAFF = "staff", _("Programme staff")

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="updates", verbose_name=_("action"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # What the public timeline says of the author (never a name): staff, or the focal point of a country.
    author_role = models.CharField(_("reported by"), max_length=20, choices=Role.choices)
    author_country = CountryField(_("country"), blank=True)
    from_status = models.CharField(_("from status"), max_length=20, choices=RoadmapItem.Status.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=RoadmapItem.Status.choices)
    note_date = models.DateField(_("date of the progress"))
    note = models.TextField(_("progress note"), blank=True)
    # The language the note was written in: shown as it is, in every language of the page.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    link = models.URLField(_("link"), max_length=500, blank=True)
    # Through the file rules every upload follows (common/uploads.py): what the bytes say, a size limit.
    document = models.FileField(
        _("document"),
        upload_to=uploads.UploadTo("roadmap"),
        max_length=255,
        blank=True,
        validators=[uploads.validate_document_file],
    )
    document_kind = models.CharField(_("document type"), max_length=10, choices=uploads.KIND_CHOICES, blank=True)
    document_name = models.CharField(_("document name"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("roadmap update")
        verbose_name_plural = _("roadmap updates")
        indexes = [models.Index(fields=["item", "-created_at"], name="roadmap_update_item_idx")]

    def __str__(self):
        return f"{self.item} · {self.get_from_status_display()} → {self.get_to_status_display()}"

    def get_document_url(self):
        return reverse("outcomes:roadmap_document", kwargs={"pk": self.pk}) if self.document else ""


class RoadmapReminderOptOut(models.Model):
    """A focal point who asked for no more roadmap reminders."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roadmap_reminder_opt_out"
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("roadmap reminder opt-out")
        verbose_name_plural = _("roadmap reminder opt-outs")

    def __str__(self):
        return str(self.user)


def document_upload_to(document, filename):
    return f"documents/{document.session_id}/{filename}"


class Document(models.Model):
    """One rendered PDF, one version of it; a new version only when its content changed."""

    class Kind(models.TextChoices):
        CONCLUSIONS = "conclusions", _("Conclusions")
        ROADMAP = "roadmap", _("Roadmap")
        AGENDA = "agenda", _("Agenda")
        CERTIFICATE = "certificate", _("Certificate of participation")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="documents", verbose_name=_("session"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    version = models.PositiveIntegerField(_("version"))
    registration = models.ForeignKey(
        "registrations.Registration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("registration"),
        help_text=_("The attendee, for a certificate."),
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=300)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    # SHA-256 of the HTML the PDF was rendered from: equal hash, nothing to render again.
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    is_public = models.BooleanField(_("public"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "kind", "language", "-version"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "language", "version"],
                condition=models.Q(registration__isnull=True),
                name="document_version_unique",
            ),
            models.UniqueConstraint(
                fields=["registration", "kind", "language", "version"],
                condition=models.Q(registration__isnull=False),
                name="document_version_unique_per_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="certificate", registration__isnull=False, is_public=False)
                | (~models.Q(kind="certificate") & models.Q(registration__isnull=True)),
                name="document_certificate_has_registration",
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.get_kind_display()} ({self.language}) v{self.version}"

    @property
    def filename(self):
        return f"{self.session.slug}-{self.kind}-{self.language}-v{self.version}.pdf"


class Publication(models.Model):
    """One run of "publish the conclusions": what staff chose, and how far the background work got.

    ``announce`` says whether this run e-mails the registrants; publishing again with
    "update the documents only" re-renders what changed and mails nobody.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Rendering the documents")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="publications", verbose_name=_("session")
    )
    announce = models.BooleanField(_("announce by e-mail"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    documents_total = models.PositiveIntegerField(_("documents to render"), default=0)
    documents_done = models.PositiveIntegerField(_("documents rendered"), default=0)
    announced = models.PositiveIntegerField(_("e-mails queued"), default=0)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return f"{self.session} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self):
        if not self.documents_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.documents_done / self.documents_total))


class Certificate(models.Model):
    """The certificate of participation of one attendee: its public verification code and issue date.

    The code is printed on every language version of the certificate; anyone can check it on the
    portal's verification page, which shows the initials, the session and its date, nothing more.
    This row is the verification record the privacy notice describes: it keeps the holder's initials
    of its own, so it outlives the registration's anonymisation (CERTIFICATE_RECORD_DAYS after issue).
    """

    registration = models.OneToOneField(
        "registrations.Registration",
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("registration"),
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    holder_initials = models.CharField(_("holder's initials"), max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return self.code
