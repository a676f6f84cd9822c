"""Staff previews of an e-mail as its recipient sees it: the HTML part in a sandboxed frame, and the
calendar file said in words.

The frame's page is the message alone, served with its own policy: ``sandbox`` without
``allow-scripts`` (no script runs, no form submits, no top navigation, an opaque origin even if
opened in a tab), nothing fetched (``default-src 'none'``), only the message's inline styles and
framed by the portal's own pages only. The message itself is what the outbox sends: the previews'
links carry placeholder keys, never a live one (the caller renders it that way).
"""

from django.http import HttpResponse

FRAME_POLICY = "; ".join(
    [
        "sandbox",
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


def email_frame_response(html):
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = FRAME_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


def calendar_summary(ics_text):
    """{"method", "summary", "start", "end", "location", "sequence", "attendees"} of the first event of an
    .ics, for a person to read beside the message; None when there is none or it cannot be read."""
    if not ics_text:
        return None
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(ics_text)
    except ValueError:
        return None
    event = next((component for component in calendar.walk("VEVENT")), None)
    if event is None:
        return None

    def moment(name):
        value = event.get(name)
        return value.dt if value is not None else None

    return {
        "method": str(calendar.get("METHOD", "")),
        "summary": str(event.get("SUMMARY", "")),
        "start": moment("DTSTART"),
        "end": moment("DTEND"),
        "location": str(event.get("LOCATION", "")),
        "sequence": int(event.get("SEQUENCE", 0)),
        "attendees": len(
            event.get("ATTENDEE", []) if isinstance(event.get("ATTENDEE"), list) else [event.get("ATTENDEE")]
        )
        if event.get("ATTENDEE")
        else 0,
    }
