import secrets

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext
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


def new_token():
    return secrets.token_urlsafe(32)


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        PREFER_NOT = "prefer_not", _("Prefer not to say")
        SELF_DESCRIBED = "self_described", _("Self-described")

    class Source(models.TextChoices):
        SELF = "self", _("Self")
        FOCAL_POINT = "focal_point", _("Focal point")
        STAFF = "staff", _("Staff")

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("institution")
    )
    institution_name = models.CharField(_("institution (as typed)"), max_length=300, blank=True)
    country = CountryField(_("country"))
    language = models.CharField(_("preferred language"), max_length=5, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    gender_self_described = models.CharField(_("gender (self-described)"), max_length=100, blank=True)
    accessibility_needs = models.TextField(_("accessibility or interpretation needs"), blank=True)
    # Set only when the person themself accepts the notice: on the registration form, or on the
    # confirm page when a focal point or staff added them. Blank until then.
    consent_text_version = models.CharField(_("privacy notice version"), max_length=20, blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    contact_opt_in = models.BooleanField(_("agrees to be contacted about future activities"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("registered by"), max_length=20, choices=Source.choices, default=Source.SELF)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by user"),
    )
    # NULL once the personal data are erased or anonymised: the private link then leads nowhere.
    token = models.CharField(max_length=64, unique=True, null=True, default=new_token, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended_minutes = models.PositiveIntegerField(_("minutes attended"), null=True, blank=True)
    # Added to the session's own sequence in this person's calendar files: raised on each cancel and on
    # each seat after one, so a calendar that saw a CANCEL accepts the next invitation as newer.
    ics_sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when name, e-mail, token and free text were erased; what is left is an anonymous statistic.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        permissions = [("export_registration", _("Can export personal data of registrations"))]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "session",
                condition=models.Q(anonymised_at__isnull=True),
                name="registration_email_unique_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "waitlisted_at"], name="registration_queue_idx"),
        ]

    def __str__(self):
        if self.anonymised_at:
            return gettext("Anonymised registration %(pk)s") % {"pk": self.pk}
        return f"{self.full_name} <{self.email}>"

    def get_absolute_url(self):
        return reverse("registrations:manage", kwargs={"token": self.token})

    @property
    def has_consented(self):
        return self.consent_given_at is not None


class SeatReservation(models.Model):
    """Seats of a session kept for the people of one country; staff set them on the session page."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="seat_reservations", verbose_name=_("session")
    )
    country = CountryField(_("country"))
    seats = models.PositiveIntegerField(_("reserved seats"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["session", "country"]
        verbose_name = _("seat reservation")
        verbose_name_plural = _("seats reserved per country")
        constraints = [
            models.UniqueConstraint(fields=["session", "country"], name="seat_reservation_unique_per_country"),
            models.CheckConstraint(
                condition=models.Q(seats__gt=0),
                name="seat_reservation_seats_positive",
                violation_error_message=_("Reserve at least one seat, or delete the row."),
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.country.name}: {self.seats}"


class Delivery(models.Model):
    """One e-mail to one address: a row in the outbox before anything is sent.

    ``key`` makes every message unique (for example ``confirm:<registration>:<n>`` or
    ``mailing:<mailing>:<address>``), so queueing the same message twice creates one row and a
    sending task that finds the row already sent does nothing.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    key = models.CharField(_("delivery key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    to_email = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("registration"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # The calendar file, rendered when the message is queued so that the row is the whole message.
    ics = models.TextField(_("calendar attachment"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # A registrant's message is rendered by the worker, not in the request that queued it: until
    # then this holds the event's parameters (for instance {"promoted": true}) and the texts are blank.
    render_params = models.JSONField(_("to render, with"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    mailing = models.ForeignKey(
        "Mailing", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("mailing")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The request that queued it (copolad_wg.observability), on the worker's log lines about it.
    request_id = models.CharField(_("request ID"), max_length=64, blank=True, editable=False)
    # When a worker last tried (or the sweeper last re-queued) it: a queued row older than that is stuck.
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_idx"),
            # The sender's read (outbox.send_queued): the few transactional rows waiting, by id.
            models.Index(
                fields=["id"],
                condition=models.Q(status="queued", mailing__isnull=True),
                name="delivery_to_send",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("to_email"),
                "mailing",
                # An erased recipient's row keeps no address; several such rows may share a mailing.
                condition=models.Q(mailing__isnull=False) & ~models.Q(to_email=""),
                name="delivery_unique_per_mailing_address",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_email} ({self.get_status_display()})"


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


class Mailing(models.Model):
    """One message written by staff (or by the portal) for many recipients of a session."""

    class Kind(models.TextChoices):
        SAVE_THE_DATE = "save_the_date", _("Save the date")
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        UPDATE = "update", _("Update")
        CONCLUSIONS = "conclusions", _("Conclusions available")
        CUSTOM = "custom", _("Custom")

    class Audience(models.TextChoices):
        FOCAL_POINTS = "focal_points", _("Focal points")
        INSTITUTIONS = "institutions", _("Contacts of the institutions convened")
        REGISTRANTS = "registrants", _("Registrants (by status)")
        ADDRESSES = "addresses", _("A pasted list of addresses")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="mailings", verbose_name=_("session"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.REGISTRANTS)
    registrant_statuses = models.JSONField(_("registrant statuses"), default=list, blank=True)
    addresses = models.TextField(
        _("addresses"),
        blank=True,
        help_text=_("One per line; optionally a language after a comma, e.g. ana@example.org, es"),
    )
    addresses_language = models.CharField(
        _("language of addresses without one"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Pasted addresses with no language after them get the mailing in this one."),
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    subject_es = models.CharField(_("subject (Spanish)"), max_length=200, blank=True)
    subject_pt = models.CharField(_("subject (Portuguese)"), max_length=200, blank=True)
    body_en = models.TextField(_("body (English)"), blank=True)
    body_es = models.TextField(_("body (Spanish)"), blank=True)
    body_pt = models.TextField(_("body (Portuguese)"), blank=True)
    attach_ics = models.BooleanField(_("attach the calendar file"), default=False)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True, help_text=_("Blank: as soon as queued."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Mailings the portal writes itself (reminders, updates) are found again by this key.
    auto_key = models.CharField(_("automatic key"), max_length=100, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.session}"

    def subject_in(self, language):
        return getattr(self, f"subject_{language}", "")

    def body_in(self, language):
        return getattr(self, f"body_{language}", "")


class Suppression(models.Model):
    """An address that bulk mail skips: it bounced for good, its owner opted out or had it erased.

    Matching goes by ``email_hash`` (a keyed hash of the lower-cased address, see
    ``mail.outbox.address_hash``), so an erased person's row keeps no address at all.
    """

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        OPT_OUT = "opt_out", _("Opted out")
        ERASED = "erased", _("Personal data erased")

    email = models.EmailField(_("e-mail"), blank=True)
    email_hash = models.CharField(_("keyed hash of the address"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self):
        return f"{self.email or gettext('(erased address)')} ({self.get_reason_display()})"


class PrivacyNotice(models.Model):
    """One version of the privacy notice, written by staff in English, Spanish and Portuguese.

    A draft has no version number; publishing gives it the next one and freezes it, so every
    consent on record points to a text that can still be read as it was.
    """

    version = models.PositiveIntegerField(_("version"), unique=True, null=True, blank=True, editable=False)
    controller = models.CharField(
        _("data controller"), max_length=300, help_text=_("Who decides on the data: name and address.")
    )
    contact_email = models.EmailField(_("data protection contact"))
    body = models.TextField(
        _("text"),
        help_text=_(
            "Purposes, legal basis, what is collected, who sees it and the person's rights. A line starting "
            "with “## ” is a heading; a blank line starts a paragraph. The retention periods are added by "
            "the portal from its settings."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-version", "-pk"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notice versions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__isnull=True, published_at__isnull=True)
                | models.Q(version__isnull=False, published_at__isnull=False),
                name="privacy_notice_published_has_version",
            ),
        ]

    def __str__(self):
        if self.version is None:
            return gettext("Privacy notice (draft %(pk)s)") % {"pk": self.pk}
        return gettext("Privacy notice, version %(version)s") % {"version": self.version}

    def get_absolute_url(self):
        return reverse("privacy:notice_version", kwargs={"version": self.version})

    @property
    def is_published(self):
        return self.published_at is not None


# --- staff's second factor (django-allauth's MFA), labelled in the staff's language ---


class StaffAuthenticator(Authenticator):
    """allauth's Authenticator under names staff read in their language (its own model has none)."""

    class Meta:
        proxy = True
        verbose_name = _("second-factor method")
        verbose_name_plural = _("second-factor methods")
