"""Reads of the roadmap: each action's shown status (overdue computed from its due date), its country,
and the whole roadmap of a working group grouped by status, filtered and counted.

An action is overdue when it is not done and its due date has passed in the zone of the session that
agreed it: the day ends at midnight there, not in UTC. A page costs the same queries for 1 or 100
actions: the actions with their sessions and institution, and their timelines, in one query each.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from ...models import RoadmapItem, RoadmapUpdate, Session

OVERDUE = "overdue"
# The order of the page's groups: what needs attention first.
SHOWN_STATUSES = (OVERDUE, RoadmapItem.Status.IN_PROGRESS, RoadmapItem.Status.PLANNED, RoadmapItem.Status.DONE)
STATUS_LABELS = {
    OVERDUE: _("Overdue"),
    RoadmapItem.Status.IN_PROGRESS: _("In progress"),
    RoadmapItem.Status.PLANNED: _("Planned"),
    RoadmapItem.Status.DONE: _("Done"),
}
DUE_SOON_DAYS = 30


def action_zone(item):
    """The zone of the session that agreed the action (else of its follow-up session, else the portal's)."""
    for session in (item.agreed_session, item.follow_up_session):
        if session is not None:
            return session.zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def action_today(item, *, now=None):
    return (now or timezone.now()).astimezone(action_zone(item)).date()


def is_overdue(item, *, now=None):
    return (
        item.status != RoadmapItem.Status.DONE
        and item.due_date is not None
        and item.due_date < action_today(item, now=now)
    )


def is_due_soon(item, *, now=None):
    """Open, not overdue, and due within DUE_SOON_DAYS days (today included)."""
    if item.status == RoadmapItem.Status.DONE or item.due_date is None:
        return False
    today = action_today(item, now=now)
    return today <= item.due_date <= today + timedelta(days=DUE_SOON_DAYS)


def shown_status(item, *, now=None):
    return OVERDUE if is_overdue(item, now=now) else item.status


def action_country(item):
    """The country code an action belongs to: its owner country, or its owner institution's; "" for the programme."""
    if item.owner_kind == RoadmapItem.Owner.COUNTRY:
        return str(item.owner_country.code or "")
    if item.owner_kind == RoadmapItem.Owner.INSTITUTION and item.owner_institution is not None:
        return str(item.owner_institution.country.code or "")
    return ""


def public_actions():
    """Actions the public may see: not agreed in a draft session."""
    return RoadmapItem.objects.filter(Q(agreed_session__isnull=True) | ~Q(agreed_session__status=Session.Status.DRAFT))


def with_timeline(queryset):
    """Actions with what every roadmap view shows: sessions, institution, group and the timeline
    (``item.timeline``, newest first) in a fixed number of queries."""
    updates = RoadmapUpdate.objects.order_by("-created_at", "-pk")
    return queryset.select_related(
        "group", "owner_institution", "agreed_session", "follow_up_session"
    ).prefetch_related(Prefetch("updates", queryset=updates, to_attr="timeline"))


def annotate(items, *, now=None):
    """Set ``shown_status``, ``shown_status_label``, ``country_code`` and ``latest_update`` on each action."""
    now = now or timezone.now()
    for item in items:
        item.shown_status = shown_status(item, now=now)
        item.shown_status_label = STATUS_LABELS[item.shown_status]
        item.country_code = action_country(item)
        timeline = getattr(item, "timeline", None)
        item.latest_update = timeline[0] if timeline else None
    return items


@dataclass
class StatusGroup:
    status: str
    label: str
    items: list = field(default_factory=list)


@dataclass
class Roadmap:
    group: object
    groups: list  # StatusGroup, in SHOWN_STATUSES order, empty ones left out
    counts: list  # (status, label, count) for every status, over the country filter
    total: int
    countries: list  # (code, name) of the countries that own actions
    country: str
    status: str

    @property
    def items(self):
        return [item for group in self.groups for item in group.items]


def group_actions(group, *, now=None):
    """Every public action of ``group``, annotated, in the staff's order."""
    items = list(with_timeline(public_actions().filter(group=group)).order_by("order", "pk"))
    return annotate(items, now=now)


def group_roadmap(group, *, country="", status="", now=None, items=None):
    """The roadmap page's content: actions grouped by shown status, filtered by country and status.

    Unknown filter values are ignored (the whole roadmap shows), never an error. ``items``: the
    group's actions when the caller has read them already (``group_actions``).
    """
    items = group_actions(group, now=now) if items is None else items
    codes = sorted({item.country_code for item in items if item.country_code})
    countries = sorted(((code, str(all_countries.name(code))) for code in codes), key=lambda pair: pair[1])
    country = country.upper() if country and country.upper() in codes else ""
    status = status if status in SHOWN_STATUSES else ""
    in_country = [item for item in items if not country or item.country_code == country]
    counts = [
        (key, STATUS_LABELS[key], sum(1 for item in in_country if item.shown_status == key)) for key in SHOWN_STATUSES
    ]
    shown = [item for item in in_country if not status or item.shown_status == status]
    groups = [
        StatusGroup(key, STATUS_LABELS[key], [item for item in shown if item.shown_status == key])
        for key in SHOWN_STATUSES
    ]
    return Roadmap(
        group=group,
        groups=[g for g in groups if g.items],
        counts=counts,
        total=len(in_country),
        countries=countries,
        country=country,
        status=status,
    )


def country_actions(country, *, now=None):
    """The open and done actions that belong to ``country`` (its own, or its institutions'), annotated."""
    code = str(country)
    queryset = public_actions().filter(
        Q(owner_kind=RoadmapItem.Owner.COUNTRY, owner_country=code)
        | Q(owner_kind=RoadmapItem.Owner.INSTITUTION, owner_institution__country=code)
    )
    items = list(with_timeline(queryset).order_by("due_date", "order", "pk"))
    return annotate(items, now=now)


def session_actions(session, *, agreed, now=None):
    """The actions ``session`` agreed (``agreed=True``) or follows up, annotated."""
    lookup = {"agreed_session": session} if agreed else {"follow_up_session": session}
    return annotate(list(with_timeline(RoadmapItem.objects.filter(**lookup)).order_by("order", "pk")), now=now)


def next_changes(items, *, now=None):
    """The moments at which an open action with a due date turns overdue (midnight after its due date,
    in its zone): a cached page that shows it must not outlive them."""
    moments = []
    for item in items:
        if item.status != RoadmapItem.Status.DONE and item.due_date is not None:
            day_after = item.due_date + timedelta(days=1)
            moments.append(datetime.combine(day_after, time.min, tzinfo=action_zone(item)))
    return moments
