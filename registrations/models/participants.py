"""Registrations and the seats reserved for a country."""

import base64
import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registrations.link_keys import key_for
from registrations.models.institutions import Institution
from sessions_app.models import Session


def new_token():
    """The random key of a private link as it was stored before keys were derived; old migrations name it."""
    return secrets.token_urlsafe(32)


def new_link_nonce():
    """The random half of a private link's key (registrations.tokens): useless without PRIVATE_LINK_KEY."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


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
    # The private link's key is derived from this nonce with a key kept outside the database
    # (registrations.tokens). NULL once the personal data are erased or anonymised: the link then
    # leads nowhere.
    link_nonce = models.CharField(max_length=22, unique=True, null=True, default=new_link_nonce, editable=False)
    # The SHA-256 of a link sent before keys were derived, so that link still opens the page.
    legacy_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
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
    def token(self):
        """The key of this person's private link (derived, never stored), or None once erased."""
        return key_for(self.link_nonce)

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
