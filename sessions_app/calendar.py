"""Calendar files (.ics) for a session, built with the ``icalendar`` package.

One event per session with a UID that never changes (``<session.uid>@copolad-wg``) and a
SEQUENCE taken from ``session.ics_sequence``, so a calendar that imported the save-the-date
updates the same event when the session is rescheduled. DTSTART carries the session's IANA zone
as TZID with its VTIMEZONE, so calendars show the right local time on both sides of a daylight
saving change.

The join link is secret: it goes into the file only for a confirmed registration.

A confirmed person's file is a published event (METHOD:PUBLISH, no ATTENDEE): calendars add it
without Accept/Decline buttons, so no reply goes to a no-reply organiser and bounces. When
CALENDAR_ORGANIZER_EMAIL names a mailbox that reads replies, the file is an invitation instead
(METHOD:REQUEST, that mailbox as ORGANIZER, the person as ATTENDEE).
"""

from datetime import UTC, timedelta
from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from common.links import absolute_url

PRODID = "-//COPOLAD III//Working Group portal//EN"


def session_uid(session):
    return f"{session.uid}@copolad-wg"


def _public_url(session):
    return absolute_url(session.get_absolute_url())


def _replies_mailbox():
    return (getattr(settings, "CALENDAR_ORGANIZER_EMAIL", "") or "").strip()


def _organizer():
    mailbox = _replies_mailbox()
    name, address = parseaddr(mailbox or settings.DEFAULT_FROM_EMAIL)
    if mailbox and not name:
        name = parseaddr(settings.DEFAULT_FROM_EMAIL)[0]
    organizer = vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = vText(name)
    return organizer


def _attendee(registration):
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.full_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    return attendee


def session_calendar(session, *, registration=None, method="PUBLISH"):
    """Return the .ics file of ``session`` as bytes.

    Without a registration (or with one that is not confirmed) the file is public: no attendee,
    no join link, METHOD as given (PUBLISH by default). With a confirmed registration the file
    carries the join link in LOCATION and DESCRIPTION; it stays a published event unless
    CALENDAR_ORGANIZER_EMAIL is set, when it becomes an invitation (METHOD:REQUEST, with an
    ATTENDEE line) whose replies reach that mailbox. CANCEL names the person as for an
    invitation. Texts are written in the registration's language when there is one, otherwise in
    the active language.
    """
    confirmed = registration is not None and registration.status == registration.Status.CONFIRMED
    if confirmed and method == "PUBLISH" and _replies_mailbox():
        method = "REQUEST"
    language = registration.language if registration is not None else translation.get_language()

    with translation.override(language):
        public_url = _public_url(session)
        lines = [str(session.title)]
        if session.group_id:
            lines.append(str(session.group))
        if confirmed and session.join_url:
            lines.append(_("Join the session: %(url)s") % {"url": session.join_url})
        lines.append(_("Session page: %(url)s") % {"url": public_url})
        description = "\n\n".join(lines)
        summary = _("COPOLAD III · Session %(number)s: %(title)s") % {
            "number": session.number,
            "title": session.title,
        }

        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", method)

        event = Event()
        event.add("uid", session_uid(session))
        event.add("sequence", session.ics_sequence + (registration.ics_sequence if registration is not None else 0))
        event.add("dtstamp", (session.updated_at or timezone.now()).astimezone(UTC))
        event.add("dtstart", session.starts_at.astimezone(session.zone))
        event.add("duration", timedelta(minutes=session.duration_minutes))
        event.add("summary", summary)
        event.add("description", description)
        event.add("url", public_url)
        event.add("organizer", _organizer())
        if confirmed and session.join_url:
            event.add("location", session.join_url)
        elif session.venue:
            event.add("location", str(session.venue))
        if method == "CANCEL" or session.status == session.Status.CANCELLED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        if registration is not None and (method in ("REQUEST", "CANCEL")):
            event.add("attendee", _attendee(registration))
        calendar.add_component(event)
        # A VTIMEZONE covering the years around the session keeps the file small yet correct.
        local_start = session.starts_at.astimezone(session.zone).date()
        calendar.add_missing_timezones(
            first_date=local_start.replace(month=1, day=1, year=local_start.year - 1),
            last_date=local_start.replace(month=1, day=1, year=local_start.year + 2),
        )
    return calendar.to_ical()


def group_feed(sessions, *, name):
    """Return one .ics (bytes) with an event for each of ``sessions``: the subscription feed of the
    working group in the active language. Public data only (no join link, no attendee); each event
    keeps the UID and SEQUENCE of the session's own file, so subscribers see moves as updates."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", str(name))
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    first = last = None
    for session in sessions:
        single = Calendar.from_ical(session_calendar(session))
        for event in single.walk("VEVENT"):
            calendar.add_component(event)
        local = session.starts_at.astimezone(session.zone).date()
        first = min(first, local) if first else local
        last = max(last, local) if last else local
    if first is not None:
        calendar.add_missing_timezones(
            first_date=first.replace(month=1, day=1, year=first.year - 1),
            last_date=last.replace(month=1, day=1, year=last.year + 2),
        )
    return calendar.to_ical()


def web_calendar_links(session):
    """{"google": url, "outlook": url, "office": url}: "add to calendar" links of the web calendars
    (Google Calendar, Outlook.com, Outlook for Microsoft 365) with the session's public facts only:
    the join link is never put in a URL that a third party receives."""
    public_url = _public_url(session)
    title = _("COPOLAD III · Session %(number)s: %(title)s") % {"number": session.number, "title": session.title}
    details = "\n\n".join([str(session.title), _("Session page: %(url)s") % {"url": public_url}])
    start = session.starts_at.astimezone(UTC)
    end = session.ends_at.astimezone(UTC)
    google = urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
            "details": details,
            "location": public_url,
            "ctz": session.time_zone,
        }
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": details,
            "location": public_url,
        }
    )
    return {
        "google": f"https://calendar.google.com/calendar/render?{google}",
        "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
        "office": f"https://outlook.office.com/calendar/0/deeplink/compose?{outlook}",
    }
