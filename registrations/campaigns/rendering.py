"""A mailing's text for one recipient: placeholders, the default texts, the calendar file and the opt-out link."""

import re
import secrets

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, urlize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.links import absolute_url
from common.timezones import format_when, session_local_starts
from registrations.campaigns.audiences import JOIN_LINK_KINDS, LANGUAGE_CODES, Recipient
from registrations.campaigns.unsubscribe import unsubscribe_token
from registrations.link_keys import LINK_PLACEHOLDER
from registrations.models import Mailing, Registration
from registrations.outbox.queueing import render_email
from sessions_app.calendar import session_calendar
from sessions_app.models import Session

PLACEHOLDERS = {
    "name": gettext_lazy("the recipient's name"),
    "session_title": gettext_lazy("the session's title"),
    "session_number": gettext_lazy("the session's number"),
    "start_session": gettext_lazy("start in the session's time zone"),
    "start_local": gettext_lazy("start in the recipient's time zone"),
    "local_times": gettext_lazy("start in every participating country"),
    "session_url": gettext_lazy("the session's page"),
    "register_url": gettext_lazy("the registration link"),
    "join_url": gettext_lazy("the join link (confirmed participants only)"),
    "manage_url": gettext_lazy("the participant's private page"),
}


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _format_start(moment, zone_name):
    # Inside a sentence of staff's text ("la sesión será el {start_local}"): the weekday as written.
    return format_when(moment, None, zone_name, capitalise=False)


# What a preview shows in place of a recipient's signed unsubscribe key.
UNSUBSCRIBE_PLACEHOLDER = "unsubscribe-key"


def placeholder_recipient(*, mailing, language):
    """Someone the preview can show the mailing to without showing anyone real: a registrant's
    mailing gets a placeholder registration, so its personal placeholders are filled as for one."""
    registration = None
    if mailing.audience == Mailing.Audience.REGISTRANTS:
        registration = Registration(
            session=mailing.session,
            email="recipient@example.org",
            full_name=_placeholder_name(language),
            language=language,
            time_zone=mailing.session.time_zone,
            status=Registration.Status.CONFIRMED,
        )
    return Recipient(
        email="recipient@example.org",
        language=language,
        name=_placeholder_name(language),
        time_zone=mailing.session.time_zone,
        registration=registration,
    )


def _placeholder_name(language):
    with translation.override(language):
        return _("[recipient's name]")


def unsubscribe_url(*, email, language, shared=None):
    """The one-click opt-out address of ``email``; with ``shared`` (see ``placeholder_values``) the
    URL around the token is reversed once per language."""
    address = _memo(shared, ("unsubscribe", language), lambda: _unsubscribe_address(language))
    return address.replace(_marker("token"), unsubscribe_token(email=email, language=language))


def _manage_address(language):
    with translation.override(language):
        return absolute_url(reverse("registrations:manage", kwargs={"token": LINK_PLACEHOLDER}))


def _unsubscribe_address(language):
    with translation.override(language):
        return absolute_url(reverse("registrations:unsubscribe", kwargs={"token": _marker("token")}))


def _memo(shared, key, compute):
    """``compute()`` once per ``key`` in ``shared`` (a dict a build keeps for its run), or every time without one."""
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def _session_values(session, language):
    """The placeholders that read the same for every recipient of ``language``."""
    with translation.override(language):
        session_url = absolute_url(session.get_absolute_url())
        return {
            "session_title": str(session.title),
            "session_number": str(session.number),
            "start_session": _format_start(session.starts_at, session.time_zone),
            "local_times": "\n".join(
                f"- {row.city.name} ({row.country_name}): {row.start:%H:%M} {row.utc_offset}"
                for row in session_local_starts(session)
            ),
            "session_url": session_url,
            "register_url": session_url + "#register",
        }


def placeholder_values(*, mailing, recipient, language, shared=None):
    """The text for each placeholder, written in ``language`` for this recipient.

    ``shared``: a dict kept across the recipients of one build, so that what is the same for
    everyone of a language (the table of local times, the session's start...) is written once.
    """
    session = mailing.session
    registration = recipient.registration
    zone = recipient.time_zone or session.time_zone
    common = _memo(shared, ("values", language), lambda: _session_values(session, language))

    def start_local():
        with translation.override(language):
            return _format_start(session.starts_at, zone)

    confirmed = registration is not None and registration.status == Registration.Status.CONFIRMED
    return {
        **common,
        # Never the address: a person the portal has no name for is greeted neutrally.
        "name": recipient.name or _memo(shared, ("colleague", language), lambda: _neutral_greeting_name(language)),
        "start_local": _memo(shared, ("start_local", language, zone), start_local),
        "join_url": session.join_url if confirmed else "",
        # The key goes in as the outbox sends (registrations.link_keys): no stored copy, and no
        # preview, holds it.
        "manage_url": _memo(shared, ("manage_url", language), lambda: _manage_address(language))
        if registration is not None
        else "",
    }


def _neutral_greeting_name(language):
    with translation.override(language):
        return _("colleague")


def fill_placeholders(text, values):
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")


def _calendar(mailing, recipient, language, shared):
    """The .ics of one recipient: a confirmed person's own invitation (REQUEST, join link, their
    ATTENDEE line), or the public file, the same for everyone of a language and written once."""
    registration = recipient.registration
    if registration is not None and registration.status == Registration.Status.CONFIRMED:
        return session_calendar(mailing.session, registration=registration).decode()
    # The public file is in the registration's language when there is one (see session_calendar).
    file_language = registration.language if registration is not None else language

    def public():
        with translation.override(file_language):
            return session_calendar(mailing.session).decode()

    return _memo(shared, ("ics", file_language), public)


# What differs between two recipients of one language; everything else is written once per build.
PERSONAL_PLACEHOLDERS = ("name", "start_local", "join_url", "manage_url")


_MARK = f"m{secrets.token_hex(6)}m"  # a word no one types, so it survives urlize and linebreaks


def _marker(name):
    return f"{_MARK}{name}{_MARK}"


# The card writes both versions of its time lines between comments; one is kept per recipient.
def _between(name):
    return re.compile(f"<!--{name}-->.*?<!--/{name}-->", re.DOTALL)


_SAME_ZONE_DROPS = (_between("local"), _between("org"))
_OTHER_ZONE_DROPS = (_between("when"),)
_LINE_COMMENTS = re.compile(r"<!--/?(?:local|org|when)-->")


def choose_time_lines(html, *, same_zone):
    """ "When" alone for a recipient in the organiser's zone; "Your time" and "Organiser's time" otherwise."""
    for pattern in _SAME_ZONE_DROPS if same_zone else _OTHER_ZONE_DROPS:
        html = pattern.sub("", html)
    return _LINE_COMMENTS.sub("", html)


# "16:00 UTC-06:00" must not break at its hyphen on a phone ("UTC-/06:00"): kept on one line.
_TIME_WITH_OFFSET = re.compile(r"(?:\d{1,2}:\d{2}(?:–\d{1,2}:\d{2})? )?UTC[+-]\d{2}:\d{2}")
_TAG = re.compile(r"(<[^>]+>)")


def keep_times_whole(html):
    """Wrap each time with its UTC offset in a no-wrap span, in the text of ``html`` (never inside a tag)."""
    pieces = _TAG.split(html)
    for index in range(0, len(pieces), 2):  # even pieces are text between tags
        pieces[index] = _TIME_WITH_OFFSET.sub(r'<span style="white-space:nowrap;">\g<0></span>', pieces[index])
    return "".join(pieces)


def _button(mailing, values):
    """(label, url) of the e-mail's one button, as every e-mail of the portal has: what the kind asks for."""
    kind = mailing.kind
    open_now = mailing.session.status == Session.Status.REGISTRATION_OPEN
    if kind in (Mailing.Kind.INVITATION, Mailing.Kind.SAVE_THE_DATE) and open_now:
        return _("Register for the session"), values["register_url"]
    if kind in JOIN_LINK_KINDS and mailing.session.join_url and values.get("join_url"):
        return _("Join the session"), values["join_url"]
    return _("Open the session page"), values["session_url"]


def _card(mailing, values):
    """The session card and button of the HTML part, in the active language (see ``render_mailing``)."""
    label, url = _button(mailing, values)
    return {
        "session": mailing.session,
        "card_title": values["session_title"],
        "card_number": values["session_number"],
        "when_session": values["start_session"],
        "when_local": values["start_local"],
        "same_zone": values["start_local"] == values["start_session"],
        "button_label": label,
        "button_url": url,
    }


def _shells(mailing, language, common):
    """The plain-text and HTML parts with a marker in place of each personal value: the templates,
    and urlize and linebreaks (the costly filters), run once per language instead of once per recipient."""
    marked = {**common, **{name: _marker(name) for name in (*PERSONAL_PLACEHOLDERS, "unsubscribe_url")}}
    around = {"unsubscribe_url": marked["unsubscribe_url"], "session_url": common["session_url"]}
    html_body = fill_placeholders(mailing.body_in(language), marked)
    # In the card the personal values are plain text or a link's address: markers of their own,
    # replaced escaped (not urlized) by _personal_html.
    raw = {name: _marker(f"raw_{name}") for name in PERSONAL_PLACEHOLDERS}
    with translation.override(language):
        card = _card(mailing, {**marked, **raw})
        # The plain text takes the whole body verbatim, so its marker stands for all of it.
        text = render_to_string("emails/mailing/body.txt", {**around, "body": _marker("body")})
        html = render_to_string("emails/mailing/body.html", {**around, **card, "body": html_body})
    return text, keep_times_whole(html)


def _personal_text(shell, body, unsubscribe):
    # The body goes in last, so that nothing a person typed in it is ever taken for a marker.
    return shell.replace(_marker("unsubscribe_url"), unsubscribe).replace(_marker("body"), body)


def _personal_html(shell, values, unsubscribe, shared):
    html = shell.replace(_marker("unsubscribe_url"), escape(unsubscribe))
    html = choose_time_lines(html, same_zone=values["start_local"] == values["start_session"])
    # A recipient without the join link (not confirmed) gets the session page behind the button.
    html = html.replace(_marker("raw_join_url"), escape(values["join_url"] or values["session_url"]))
    for name in PERSONAL_PLACEHOLDERS:
        html = html.replace(_marker(f"raw_{name}"), keep_times_whole(escape(values[name])))
    for name in PERSONAL_PLACEHOLDERS:
        # Most values repeat (the zone's start, a neutral greeting): each is urlized once per build.
        value = values[name]
        linked = _memo(
            shared,
            ("urlize", value),
            lambda value=value: keep_times_whole(urlize(value, nofollow=True, autoescape=True)),
        )
        html = html.replace(_marker(name), linked)
    return html


def render_mailing(*, mailing, recipient, language=None, shared=None, preview=False):
    """Subject, plain text, HTML, .ics and headers of the mailing for one recipient.

    Falls back to English, then to any filled language, when the recipient's is blank. ``shared``
    as for ``placeholder_values``: with it, both bodies are shells written once per language.
    ``preview``: for staff eyes, so the unsubscribe link holds a placeholder instead of the
    recipient's signed key (the private link always does, see registrations.tokens).
    """
    language = language or recipient.language
    if not (mailing.subject_in(language) and mailing.body_in(language)):
        filled = [code for code in ["en", *LANGUAGE_CODES] if mailing.subject_in(code) and mailing.body_in(code)]
        language = filled[0] if filled else language
    values = placeholder_values(mailing=mailing, recipient=recipient, language=language, shared=shared)
    if preview:
        unsubscribe = _unsubscribe_address(language).replace(_marker("token"), UNSUBSCRIBE_PLACEHOLDER)
    else:
        unsubscribe = unsubscribe_url(email=recipient.email, language=language, shared=shared)
    body = fill_placeholders(mailing.body_in(language), values)
    if shared is None:
        with translation.override(language):
            card = _card(mailing, values)
        context = {
            "subject": fill_placeholders(mailing.subject_in(language), values),
            "body": body,
            "unsubscribe_url": unsubscribe,
            "session_url": values["session_url"],
            **card,
        }
        subject, body_text, body_html = render_email(template="mailing", context=context, language=language)
        body_html = keep_times_whole(choose_time_lines(body_html, same_zone=card["same_zone"]))
    else:
        # What the subject template does (one line), without a template.
        subject = " ".join(fill_placeholders(mailing.subject_in(language), values).split())
        text_shell, html_shell = _memo(
            shared, ("shells", language), lambda: _shells(mailing, language, shared[("values", language)])
        )
        body_text = _personal_text(text_shell, body, unsubscribe)
        body_html = _personal_html(html_shell, values, unsubscribe, shared)
    ics = _calendar(mailing, recipient, language, shared) if mailing.attach_ics else ""
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return language, subject, body_text, body_html, ics, headers


def default_content(*, kind, language):
    """The subject and body a new mailing of ``kind`` starts with, in ``language``."""
    with translation.override(language):
        greeting = _("Dear {name},")
        signature = _("The COPOLAD III team")
        session_line = _("Session {session_number}: {session_title}")
        texts = {
            Mailing.Kind.SAVE_THE_DATE: (
                _("Save the date: {session_title}"),
                _(
                    "The COPOLAD III working group meets on {start_session}.\n\nLocal times:\n{local_times}\n\n"
                    "The calendar file is attached; the registration link follows soon.\n{session_url}"
                ),
            ),
            Mailing.Kind.INVITATION: (
                _("Invitation: {session_title}"),
                _(
                    "You are invited to the COPOLAD III working group session on {start_session}.\n\n"
                    "Local times:\n{local_times}\n\nRegister here: {register_url}"
                ),
            ),
            Mailing.Kind.REMINDER: (
                _("Reminder: {session_title} starts {start_local}"),
                _(
                    "The session starts on {start_local}.\n\nJoin the session: {join_url}\n\n"
                    "Your registration: {manage_url}"
                ),
            ),
            Mailing.Kind.UPDATE: (
                _("New time: {session_title}"),
                _(
                    "The session has moved. It now starts on {start_local} ({start_session}).\n\n"
                    "The attached calendar file updates the event in your calendar.\n\n"
                    "Join the session: {join_url}\n\nYour registration: {manage_url}"
                ),
            ),
            Mailing.Kind.CONCLUSIONS: (
                _("Conclusions available: {session_title}"),
                _("The conclusions and the roadmap of the session are available on its page: {session_url}"),
            ),
            Mailing.Kind.CUSTOM: (_("{session_title}"), "{session_url}"),
        }
        subject, body = texts[kind]
        return subject, f"{greeting}\n\n{body}\n\n{session_line}\n{signature}"


def fill_defaults(*, mailing):
    """Fill every blank subject and body with the default text of the mailing's kind (not saved)."""
    for code in LANGUAGE_CODES:
        subject, body = default_content(kind=mailing.kind, language=code)
        if not mailing.subject_in(code):
            setattr(mailing, f"subject_{code}", subject)
        if not mailing.body_in(code):
            setattr(mailing, f"body_{code}", body)
    if mailing.kind in (Mailing.Kind.SAVE_THE_DATE, Mailing.Kind.UPDATE):
        mailing.attach_ics = True
    return mailing


def unknown_placeholders(mailing):
    """Names in braces in any subject or body that are not PLACEHOLDERS, in the order first typed.

    They would reach the recipients as typed ("{nmae}"), so check_mailing blocks them.
    """
    unknown = {}
    for code in LANGUAGE_CODES:
        for text in (mailing.subject_in(code), mailing.body_in(code)):
            for name in _PLACEHOLDER.findall(text or ""):
                if name not in PLACEHOLDERS:
                    unknown.setdefault(name, None)
    return list(unknown)
