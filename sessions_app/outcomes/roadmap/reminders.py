"""Reminders to the focal points about their country's roadmap actions due within 30 days or overdue.

Beat runs ``send_roadmap_reminders`` (task ``sessions_app.send_roadmap_reminders``) every hour. Each
reminder is an outbox row whose key names the action, the threshold, the due date and the person,
so a second run (or a second beat) queues nothing new: one e-mail per action and threshold (a new due
date is a new deadline and may remind again). A focal point who opted out gets none; the e-mail is
written in their language and links to the page where they turn the reminders off.
"""

from django.db.models import Q
from django.utils import timezone, translation

from common.links import absolute_reverse
from registrations.campaigns.audiences import language_for_country
from registrations.models import Delivery, FocalPoint
from registrations.outbox.queueing import queue_email

from ...models import RoadmapItem
from . import tracker

DUE_SOON = "due_soon"
OVERDUE = "overdue"


def threshold(item, *, now=None):
    """Which reminder ``item`` calls for now: OVERDUE, DUE_SOON or None."""
    if tracker.is_overdue(item, now=now):
        return OVERDUE
    if tracker.is_due_soon(item, now=now):
        return DUE_SOON
    return None


def focal_point_language(focal_point):
    """The language of the focal point's latest invitation, else their country's language."""
    language = (
        Delivery.objects.filter(key__startswith=f"focal-point-invite:{focal_point.user_id}:")
        .order_by("-pk")
        .values_list("language", flat=True)
        .first()
    )
    return language or language_for_country(focal_point.country.code)


def reminder_key(*, item, kind, user_id):
    return f"roadmap-reminder:{item.pk}:{kind}:{item.due_date.isoformat()}:{user_id}"


def send_roadmap_reminders(*, now=None):
    """Queue the reminders due now. Returns the number of new outbox rows."""
    now = now or timezone.now()
    open_items = list(
        tracker.public_actions()
        .filter(due_date__isnull=False)
        .exclude(status=RoadmapItem.Status.DONE)
        .filter(~Q(owner_kind=RoadmapItem.Owner.PROGRAMME))
        .select_related("group", "owner_institution", "agreed_session", "follow_up_session")
    )
    by_country = {}
    for item in open_items:
        kind = threshold(item, now=now)
        country = tracker.action_country(item)
        if kind and country:
            by_country.setdefault(country, []).append((item, kind))
    if not by_country:
        return 0
    focal_points = (
        FocalPoint.objects.filter(country__in=list(by_country), is_active=True, user__is_active=True)
        .exclude(user__roadmap_reminder_opt_out__isnull=False)
        .select_related("user")
    )
    queued = 0
    for focal_point in focal_points:
        language = None
        for item, kind in by_country[str(focal_point.country.code)]:
            key = reminder_key(item=item, kind=kind, user_id=focal_point.user_id)
            if Delivery.objects.filter(key=key).exists():
                continue
            language = language or focal_point_language(focal_point)
            queue_email(
                key=key,
                kind="roadmap_reminder",
                to_email=focal_point.user.email,
                language=language,
                template="roadmap_reminder",
                context=_context(item=item, kind=kind, focal_point=focal_point, language=language, now=now),
            )
            queued += 1
    return queued


def _context(*, item, kind, focal_point, language, now):
    with translation.override(language):
        country_name = str(focal_point.country.name)
        # Titles are translated fields: read in the e-mail's language.
        title = item.title
        period = item.period
    return {
        "item": item,
        "title": title,
        "period": period,
        "overdue": kind == OVERDUE,
        "days_left": (item.due_date - tracker.action_today(item, now=now)).days,
        "country_name": country_name,
        "update_url": absolute_reverse("outcomes:roadmap_update", kwargs={"pk": item.pk}, language=language),
        "roadmap_url": absolute_reverse("outcomes:roadmap", kwargs={"slug": item.group.slug}, language=language),
        "settings_url": absolute_reverse("outcomes:roadmap_reminders", language=language),
    }
