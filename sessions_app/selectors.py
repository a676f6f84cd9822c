"""Reads that the public views share; each owns its select_related / prefetch_related so that a
page costs the same number of queries whatever the size of the agenda."""

import copy

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from agenda.models import AgendaItem, AgendaRole
from agenda.timing import compute_schedule
from common import pagecache
from sessions_app.models import MethodologyStep, Session, WorkingGroup

# The public sessions that the register page and its POST read on every request, kept per process
# until any public content changes (the page cache's "content" generation: every write to a
# session, its group or its agenda bumps it). What depends on the clock (is registration open?)
# is computed from the session's dates at each request; seats are never read from here.
_PUBLIC_SESSIONS = pagecache.ProcessMemo(pagecache.CONTENT, max_age=60)


def public_sessions():
    return Session.objects.exclude(status=Session.Status.DRAFT)


def groups_with_sessions(*, now=None):
    """Working groups with at least one public session; each gets ``upcoming`` (soonest first)
    and ``past`` (latest first) lists of its public sessions."""
    now = now or timezone.now()
    sessions = public_sessions().order_by("starts_at", "pk")
    groups = list(
        WorkingGroup.objects.filter(sessions__in=public_sessions())
        .distinct()
        .prefetch_related("thematic_focuses", Prefetch("sessions", queryset=sessions, to_attr="public_sessions"))
    )
    for group in groups:
        group.upcoming = [session for session in group.public_sessions if not session.is_past(now)]
        group.past = [session for session in reversed(group.public_sessions) if session.is_past(now)]
    return groups


def session_by_slug(slug, *, include_drafts=False):
    """The session alone (no agenda), or Http404; drafts only with ``include_drafts``.

    A public session comes from what this process keeps (a copy of it: the caller may change it).
    """
    if include_drafts:
        return _session(Session.objects.all(), slug)
    return copy.copy(_PUBLIC_SESSIONS.get(lambda: _session(public_sessions(), slug), part=slug))


def _session(sessions, slug):
    try:
        return sessions.select_related("group").get(slug=slug)
    except Session.DoesNotExist:
        raise Http404 from None


def session_with_agenda(slug, *, include_drafts=False):
    """The session with everything its page shows, or Http404.

    Drafts are found only with ``include_drafts`` (staff preview).
    """
    sessions = Session.objects.all() if include_drafts else public_sessions()
    roles = AgendaRole.objects.select_related("speaker").order_by("order", "pk")
    items = AgendaItem.objects.prefetch_related(Prefetch("roles", queryset=roles)).order_by("order", "pk")
    try:
        return (
            sessions.select_related("group")
            .prefetch_related(
                "thematic_focuses",
                "objectives",
                "methodology_steps",
                "guiding_questions",
                Prefetch("agenda_items", queryset=items),
            )
            .get(slug=slug)
        )
    except Session.DoesNotExist:
        raise Http404 from None


def session_schedule(session):
    """The computed agenda of a session fetched with ``session_with_agenda``."""
    return compute_schedule(session, list(session.agenda_items.all()))


def methodology_by_moment(session):
    """[(moment label, [steps])] for the three moments, in order, empty moments included."""
    steps = list(session.methodology_steps.all())
    return [
        (moment, label, [step for step in steps if step.moment == moment])
        for moment, label in MethodologyStep.Moment.choices
    ]


def schedule_speakers(schedule):
    """Each speaker of the agenda once, in order of first appearance (from the prefetched roles)."""
    speakers = {}
    for slot in schedule.flat():
        for role in slot.item.roles.all():
            speakers.setdefault(role.speaker_id, role.speaker)
    return list(speakers.values())
