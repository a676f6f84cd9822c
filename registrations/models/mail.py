"""The outbox (Delivery, Suppression) and the mailings staff launch."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registrations.models.participants import Registration
from sessions_app.models import Session


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
