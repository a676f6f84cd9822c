"""The privacy notice as staff keep it: drafts, and publication as a new version.

A notice is written by staff and published as a new version; published versions never change, so
a consent on record (``Registration.consent_text_version``) always names a text that can be read
as it was. What a registrant reads and accepts is in ``registrations/consent.py``, with the
participants who record it (this package sits above them and may not be imported by them).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from registrations.models import PrivacyNotice


class NoticeError(Exception):
    """A notice change that cannot be made; ``str(error)`` is safe to show."""


def published_versions():
    return PrivacyNotice.objects.filter(published_at__isnull=False).order_by("-version")


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
