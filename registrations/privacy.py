"""The privacy notice: its versions, what the pages show of it, and consent that the person gave.

A notice is written by staff and published as a new version; published versions never change, so
a consent on record (``Registration.consent_text_version``) always names a text that can be read
as it was. The retention periods are not typed by staff: they come from the settings.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sessions_app.pagecache import ProcessMemo

from .models import PrivacyNotice

# Read by every registration, confirmation and notice page; written when staff publish a version
# (the signal in apps.py invalidates it on every save and delete).
CURRENT_NOTICE = ProcessMemo("privacy-notice")


class NoticeError(Exception):
    """A notice change that cannot be made; ``str(error)`` is safe to show."""


@dataclass(frozen=True)
class RetentionPeriods:
    pending_registration_days: int
    delivery_body_days: int
    personal_data_days: int
    audit_days: int
    certificate_record_days: int


def retention_periods():
    """The windows of ``apply_retention``, read from the settings each time (tests override them)."""
    return RetentionPeriods(
        pending_registration_days=settings.PENDING_REGISTRATION_DAYS,
        delivery_body_days=settings.DELIVERY_BODY_DAYS,
        personal_data_days=settings.PERSONAL_DATA_RETENTION_DAYS,
        audit_days=settings.AUDIT_RETENTION_DAYS,
        certificate_record_days=settings.CERTIFICATE_RECORD_DAYS,
    )


def current_notice():
    """The latest published notice, or None before any was published.

    Published versions never change, so the same object serves every request (read-only) until
    staff publish the next one.
    """
    return CURRENT_NOTICE.get(_latest_published)


def _latest_published():
    return PrivacyNotice.objects.filter(published_at__isnull=False).order_by("-version").first()


def published_notice(version):
    """The published notice of ``version`` (an int or its text), or None."""
    try:
        number = int(version)
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    return PrivacyNotice.objects.filter(version=number, published_at__isnull=False).first()


def published_versions():
    return PrivacyNotice.objects.filter(published_at__isnull=False).order_by("-version")


def notice_blocks(text):
    """The notice's text as ``[("h", "Heading"), ("p", "Paragraph ..."), ...]`` for the template.

    A line starting with "## " is a heading; blank lines separate paragraphs. Nothing else is
    interpreted, and the template escapes everything.
    """
    blocks, paragraph = [], []

    def flush():
        if paragraph:
            blocks.append(("p", " ".join(paragraph)))
            paragraph.clear()

    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("## "):
            flush()
            blocks.append(("h", line[3:].strip()))
        elif not line:
            flush()
        else:
            paragraph.append(line)
    flush()
    return blocks


@transaction.atomic
def publish_notice(*, notice, user=None):
    """Give the draft ``notice`` the next version number and publish it. Returns the notice.

    Raises NoticeError when it is already published.
    """
    notice = PrivacyNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.is_published:
        raise NoticeError(str(notice))
    # Lock the published rows too, so two publications cannot take the same number.
    latest = PrivacyNotice.objects.select_for_update().filter(version__isnull=False).aggregate(Max("version"))
    notice.version = (latest["version__max"] or 0) + 1
    notice.published_at = timezone.now()
    notice.published_by = user
    notice.save(update_fields=["version", "published_at", "published_by"])
    return notice


def new_draft_from(notice):
    """An unsaved draft that starts from ``notice``'s text in every language."""
    fields = ["controller", "contact_email", "body"]
    fields += [f"{name}_{code}" for name in ("controller", "body") for code, _label in settings.LANGUAGES]
    return PrivacyNotice(**{name: getattr(notice, name) for name in fields})


def record_consent(registration, *, notice, now=None):
    """Stamp ``registration`` with the notice the person accepted (not saved)."""
    registration.consent_text_version = str(notice.version)
    registration.consent_given_at = now or timezone.now()
    return ["consent_text_version", "consent_given_at"]
