import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import uploads


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Presentation(models.Model):
    """A file (slides, a paper) or a recording link shown under an agenda item."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public (once the session has ended)")
        PARTICIPANTS = "participants", _("Participants of the session only")
        STAFF = "staff", _("Staff only")

    item = models.ForeignKey(
        "agenda.AgendaItem", on_delete=models.CASCADE, related_name="presentations", verbose_name=_("agenda item")
    )
    speaker = models.ForeignKey(
        "agenda.Speaker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presentations",
        verbose_name=_("speaker"),
    )
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="es")
    file = models.FileField(
        _("file"),
        upload_to=uploads.UploadTo("presentations"),
        blank=True,
        max_length=255,
        validators=[uploads.validate_document_file],
    )
    file_kind = models.CharField(
        _("file type"), max_length=10, choices=uploads.KIND_CHOICES, blank=True, editable=False
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    link = models.URLField(_("recording or web link"), max_length=500, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.PARTICIPANTS
    )
    uploaded_through_link = models.BooleanField(_("uploaded by the speaker"), default=False, editable=False)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["item", "created_at", "pk"]
        verbose_name = _("presentation file")
        verbose_name_plural = _("presentation files")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""), name="presentation_has_file_or_link"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def filename(self):
        kind = uploads.KINDS.get(self.file_kind)
        return uploads.clean_filename(self.title, kind=kind) if kind else ""

    @property
    def kind_label(self):
        return self.file_kind.upper() if self.file_kind else _("Link")


class UploadLink(models.Model):
    """A speaker's personal upload address for one agenda item: no account, expires, revocable.

    Only a hash of the token is stored: the address exists in the e-mail, not in the database."""

    item = models.ForeignKey(
        "agenda.AgendaItem", on_delete=models.CASCADE, related_name="upload_links", verbose_name=_("agenda item")
    )
    speaker = models.ForeignKey(
        "agenda.Speaker", on_delete=models.CASCADE, related_name="upload_links", verbose_name=_("speaker")
    )
    email = models.EmailField(_("sent to"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="es")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("speaker upload link")
        verbose_name_plural = _("speaker upload links")

    def __str__(self):
        return f"{self.speaker} · {self.item}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    def is_usable(self, now=None):
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at
