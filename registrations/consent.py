"""What a registrant reads and agrees to: the current privacy notice (or a published version), its
text as the pages show it, the retention periods it states, and the consent stamped on a registration.

It sits with the participants, which record consent when someone registers; staff's drafting and
publishing of the notice, the person's data and their retention are in ``registrations/privacy/``.
The retention periods are not typed by staff: they come from the settings.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common.pagecache import ProcessMemo
from registrations.models import PrivacyNotice

# Read by every registration, confirmation and notice page; written when staff publish a version
# (the signal in apps.py invalidates it on every save and delete).
CURRENT_NOTICE = ProcessMemo("privacy-notice")


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


# The retention clock, read by the private page (which must not import ``privacy``, a layer above)
# and by ``privacy.retention``, which applies it.


def retention_starts_at(registration):
    """When the retention clock of ``registration`` started: the session's end or its last change,
    whichever is later (attendance, a certificate and the person's own actions all stamp
    ``updated_at``)."""
    return max(registration.session.ends_at, registration.updated_at)


def personal_data_kept_until(registration, *, now=None):
    """The day shown to the person: when this registration is anonymised, never in the past (a
    registration already due goes at the next hourly run, so the person reads "today")."""
    now = now or timezone.now()
    due = retention_starts_at(registration) + timedelta(days=retention_periods().personal_data_days)
    return max(due, now)


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


def record_consent(registration, *, notice, now=None):
    """Stamp ``registration`` with the notice the person accepted (not saved)."""
    registration.consent_text_version = str(notice.version)
    registration.consent_given_at = now or timezone.now()
    return ["consent_text_version", "consent_given_at"]
