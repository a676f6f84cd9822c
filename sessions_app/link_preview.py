"""What a session page tells machines: schema.org ``Event`` JSON-LD (search engines, calendars) and
Open Graph / Twitter card tags (the card a chat app or a mail client shows for a pasted link).

The event's virtual location is the session page itself, never the video platform's join link,
which only confirmed participants receive.
"""

import json

from django.conf import settings
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext

from common.links import absolute_url
from common.timezones import format_when

from .models import Session

ATTENDANCE_MODES = {
    Session.Format.VIRTUAL: "https://schema.org/OnlineEventAttendanceMode",
    Session.Format.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    Session.Format.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}
OG_LOCALES = {"en": "en_GB", "es": "es_ES", "pt": "pt_BR"}
# Language names as staff write them in the session's "working languages" (any of the three languages).
LANGUAGE_NAMES = {
    "en": ("english", "inglés", "ingles", "inglês"),
    "es": ("spanish", "español", "espanol", "espanhol", "castellano"),
    "pt": ("portuguese", "portugués", "portugues", "português"),
    "fr": ("french", "francés", "frances", "francês"),
}
# json.dumps leaves these as they are; inside <script> they could end it or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def session_languages(session):
    """BCP 47 codes of the session's working languages, read from the text staff typed."""
    text = (
        " ".join((getattr(session, f"languages_{code}", "") or "") for code, _name in settings.LANGUAGES).lower()
        or (session.languages or "").lower()
    )
    found = [code for code, names in LANGUAGE_NAMES.items() if any(name in text for name in names)]
    return found or [translation.get_language()]


def event_status(session):
    if session.status == Session.Status.CANCELLED:
        return "https://schema.org/EventCancelled"
    if session.ics_sequence > 0:  # rescheduled at least once (the calendar file's SEQUENCE rose)
        return "https://schema.org/EventRescheduled"
    return "https://schema.org/EventScheduled"


def description(session, *, length=200):
    when = format_when(session.starts_at, session.ends_at, session.time_zone)
    summary = Truncator(" ".join((session.main_outcome or "").split())).chars(length)
    return f"{when} · {session.get_format_display()}" + (f" · {summary}" if summary else "")


def event_json_ld(session):
    """The schema.org Event as a string safe inside ``<script type="application/ld+json">``."""
    zone = session.zone
    url = absolute_url(session.get_absolute_url())
    organiser = {"@type": "Organization", "name": session.group.programme, "url": absolute_url("/")}
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": session.title,
        "description": description(session, length=500),
        "url": url,
        "startDate": session.starts_at.astimezone(zone).isoformat(),
        "endDate": session.ends_at.astimezone(zone).isoformat(),
        "eventAttendanceMode": ATTENDANCE_MODES.get(session.format, ATTENDANCE_MODES[Session.Format.VIRTUAL]),
        "eventStatus": event_status(session),
        "location": {"@type": "VirtualLocation", "url": url},
        "organizer": organiser,
        "inLanguage": session_languages(session),
        "isAccessibleForFree": True,
        "superEvent": {"@type": "EventSeries", "name": str(session.group.name)},
    }
    if session.format != Session.Format.VIRTUAL and session.venue:
        data["location"] = [data["location"], {"@type": "Place", "name": session.venue}]
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


def open_graph(session):
    """(property or name, content) pairs of the Open Graph and Twitter card tags."""
    title = session.title
    text = description(session)
    url = absolute_url(session.get_absolute_url())
    language = translation.get_language()
    return {
        "og": [
            ("og:type", "website"),
            ("og:site_name", gettext("COPOLAD III · Working Group 3.5")),
            ("og:title", title),
            ("og:description", text),
            ("og:url", url),
            ("og:locale", OG_LOCALES.get(language, "en_GB")),
        ],
        "twitter": [("twitter:card", "summary"), ("twitter:title", title), ("twitter:description", text)],
        "description": text,
    }
