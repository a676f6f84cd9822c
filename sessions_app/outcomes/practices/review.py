"""A practice's way from a focal point's draft to the public catalogue, and staff's shortcuts.

draft → submitted → published, or → returned (with a message, e-mailed) → submitted again, or →
rejected. Each step is one function that checks the step is allowed and raises ReviewError if not.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.links import absolute_reverse
from registrations.focal_points.invitations import active_focal_point
from registrations.models import Delivery, FocalPoint
from registrations.outbox.queueing import queue_email
from sessions_app.outcomes.practices.models import Practice

EDITABLE = (Practice.Status.DRAFT, Practice.Status.RETURNED)


class ReviewError(Exception):
    pass


def practices_visible_to(user):
    """Published practices for everyone; a country's unpublished ones for its focal points; all for staff."""
    if user.is_authenticated and user.is_staff:
        return Practice.objects.all()
    focal_point = active_focal_point(user)
    if focal_point is None:
        return Practice.objects.filter(status=Practice.Status.PUBLISHED)
    return Practice.objects.filter(Q(status=Practice.Status.PUBLISHED) | Q(country=focal_point.country))


def country_practices(*, country):
    return Practice.objects.filter(country=country).order_by("-updated_at", "pk")


def may_edit(*, practice, focal_point):
    return focal_point is not None and practice.country == focal_point.country and practice.status in EDITABLE


@transaction.atomic
def submit_practice(*, practice):
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if practice.status not in EDITABLE:
        raise ReviewError(_("Only a draft, or a practice sent back, can be submitted."))
    if not practice.stage or not practice.practice_type:
        raise ReviewError(_("Choose the stage and the type before submitting."))
    practice.status = Practice.Status.SUBMITTED
    practice.submitted_at = timezone.now()
    practice.save(update_fields=["status", "submitted_at", "updated_at"])
    return practice


@transaction.atomic
def publish_practice(*, practice):
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if practice.status == Practice.Status.PUBLISHED:
        return practice
    if not practice.stage or not practice.practice_type:
        raise ReviewError(_("Choose the stage and the type before publishing."))
    practice.status = Practice.Status.PUBLISHED
    practice.published_at = timezone.now()
    practice.review_message = ""
    practice.save(update_fields=["status", "published_at", "review_message", "updated_at"])
    return practice


@transaction.atomic
def send_back(*, practice, message):
    """Return a practice to its country's focal points with ``message``, shown and e-mailed to each."""
    if not message.strip():
        raise ReviewError(_("Write the message the focal point will read."))
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    practice.status = Practice.Status.RETURNED
    practice.review_message = message.strip()
    practice.save(update_fields=["status", "review_message", "updated_at"])
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    focal_points = FocalPoint.objects.filter(country=practice.country, is_active=True).select_related("user")
    for focal_point in focal_points:
        language = _user_language(focal_point.user)
        queue_email(
            key=f"practice-returned:{practice.pk}:{focal_point.pk}:{stamp}",
            kind="practice_returned",
            to_email=focal_point.user.email,
            language=language,
            template="practice_returned",
            context={
                "practice": practice,
                "message": practice.review_message,
                "url": absolute_reverse("practices:edit", kwargs={"pk": practice.pk}, language=language),
            },
        )
    return practice


@transaction.atomic
def reject_practice(*, practice, message=""):
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    practice.status = Practice.Status.REJECTED
    practice.review_message = message.strip()
    practice.save(update_fields=["status", "review_message", "updated_at"])
    return practice


def _user_language(user):
    """The language of the last message this person was sent (their invitation at least), else Spanish."""
    language = Delivery.objects.filter(to_email=user.email).order_by("-pk").values_list("language", flat=True).first()
    return language if language in ("en", "es", "pt") else "es"


@transaction.atomic
def practice_from_item(*, item, created_by=None):
    """A draft prefilled from a presented agenda item: its title and description in each language,
    its session, its first speaker, and the country of the item (or of the speaker)."""
    role = item.roles.select_related("speaker").order_by("order", "pk").first()
    speaker = role.speaker if role else None
    country = item.country or (speaker.country if speaker else "")
    practice = Practice(
        session=item.session,
        agenda_item=item,
        speaker=speaker,
        country=country,
        original_language="es",
        created_by=created_by,
    )
    for code in ("en", "es", "pt"):
        title = getattr(item, f"title_{code}", "") or ""
        description = getattr(item, f"description_{code}", "") or ""
        setattr(practice, f"title_{code}", title)
        setattr(practice, f"summary_{code}", description or title if title else "")
    if not any(getattr(practice, f"title_{code}") for code in ("en", "es", "pt")):
        practice.title_es = item.title
        practice.summary_es = item.description or item.title
    for code in ("es", "en", "pt"):
        if getattr(practice, f"title_{code}"):
            practice.original_language = code
            break
    practice.save()
    return practice
