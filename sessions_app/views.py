from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from common import pagecache
from common.links import absolute_reverse
from common.timezones import session_local_starts
from sessions_app.calendar import group_feed as build_group_feed
from sessions_app.calendar import session_calendar as build_session_calendar
from sessions_app.selectors import (
    groups_with_sessions,
    methodology_by_moment,
    public_sessions,
    schedule_speakers,
    session_by_slug,
    session_schedule,
    session_with_agenda,
)


def _session_for_viewer(request, slug):
    """A public session, or any session for staff (preview); Http404 otherwise."""
    return session_with_agenda(slug, include_drafts=request.user.is_staff)


def _moments(session):
    """The instants at which a session's public pages change by themselves (no write involved)."""
    return (session.registration_opens_at, session.registration_closes_at, session.starts_at, session.ends_at)


@pagecache.cached_page(depends=(pagecache.CONTENT,))
def home(request):
    groups = groups_with_sessions()
    # webcal:// makes calendar apps subscribe (and refresh) instead of importing once. Built from
    # SITE_URL, not the request's host, so the cached page is the same for everyone.
    feed_url = absolute_reverse("sessions_app:feed")
    context = {"groups": groups, "feed_webcal_url": "webcal://" + feed_url.split("://", 1)[1]}
    response = render(request, "sessions_app/session_list.html", context)
    # A session moves from "upcoming" to "past" when it ends.
    return pagecache.valid_until(response, *(session.ends_at for group in groups for session in group.upcoming))


@pagecache.cached_page(depends=(pagecache.CONTENT,))
def feed(request):
    """Every public session of the working group as one calendar to subscribe to, in this language."""
    body = build_group_feed(
        public_sessions().select_related("group").order_by("starts_at", "pk"), name=_("COPOLAD III · Working Group 3.5")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="copolad-wg.ics"'
    response["Content-Language"] = translation.get_language()
    return response


@pagecache.cached_page(depends=(pagecache.CONTENT, pagecache.SEATS))
@pagecache.reads_generations(pagecache.CONTENT, pagecache.SEATS)
def session_detail(request, slug):
    """The session page. Its content is the same for every visitor (staff aside) and is kept as a
    template fragment under the page cache's generations and the session's phase: a signed-in
    visitor, whom the page cache never serves, gets it from there too. The agenda and everything
    else the fragment shows are read only when it is rendered."""
    is_staff = request.user.is_staff
    session = session_by_slug(slug, include_drafts=is_staff)  # kept per process: the title, the moments
    full = SimpleLazyObject(lambda: _session_for_viewer(request, slug))
    schedule = SimpleLazyObject(lambda: session_schedule(full))
    now = timezone.now()
    phase = "".join("1" if moment is not None and moment <= now else "0" for moment in _moments(session))
    version = pagecache.fragment_version(pagecache.CONTENT, pagecache.SEATS)
    methodology = SimpleLazyObject(lambda: methodology_by_moment(full))
    context = {
        "session": session,
        "full_session": full,
        "schedule": schedule,
        "speakers": SimpleLazyObject(lambda: schedule_speakers(schedule)),
        "methodology": methodology,
        # Whether any moment has steps: an empty methodology section is left out of the page.
        "has_methodology": SimpleLazyObject(lambda: any(steps for _moment, _label, steps in methodology)),
        "local_starts": SimpleLazyObject(lambda: session_local_starts(full)),
        "is_preview": not session.is_public,
        "fragment_key": f"{translation.get_language()}:{version}:{phase}:{int(is_staff)}",
    }
    return pagecache.valid_until(render(request, "sessions_app/session_detail.html", context), *_moments(session))


@pagecache.cached_page(depends=(pagecache.CONTENT,))
def session_calendar(request, slug):
    """The public .ics of a session: never the join link (that goes only to confirmed people)."""
    session = session_by_slug(slug, include_drafts=request.user.is_staff)
    body = build_session_calendar(session)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{session.slug}.ics"'
    response["Content-Language"] = translation.get_language()
    return response
