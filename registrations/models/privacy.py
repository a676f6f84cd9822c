"""The privacy notice and its published versions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
