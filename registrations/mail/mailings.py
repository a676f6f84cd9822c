"""Mailings: who gets them, what they say in each language, and fanning them out to the outbox.

A mailing becomes one Delivery per address (key ``mailing:<id>:<address>``, unique per mailing
and address whatever the case), rendered in the recipient's language when it is built, then
sent in batches on the "bulk" queue. Building twice, queueing twice or running a batch twice
adds nothing: existing rows are skipped and sent rows are never sent again.

Placeholders in subjects and bodies are names in braces, e.g. ``{name}`` or ``{start_local}``;
see PLACEHOLDERS. Unknown names are left as typed, and check_mailing refuses to queue them.
"""

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, urlize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions_app.calendar import session_calendar
from sessions_app.languages import language_for_country
from sessions_app.links import absolute_url
from sessions_app.models import Session
from sessions_app.timezones import format_when, session_local_starts

from ..models import Delivery, FocalPoint, Institution, Mailing, Registration, Suppression
from . import outbox

logger = logging.getLogger(__name__)

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# Kinds that only make sense for people who hold a seat; they carry the join link.
JOIN_LINK_KINDS = {Mailing.Kind.REMINDER, Mailing.Kind.UPDATE}
UNSUBSCRIBE_SALT = "registrations.unsubscribe"

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


class MailingBlocked(Exception):
    def __init__(self, blockers):
        super().__init__("; ".join(str(blocker) for blocker in blockers))
        self.blockers = blockers


@dataclass
class Recipient:
    email: str
    language: str
    name: str = ""
    time_zone: str = ""
    registration: Registration | None = None


def parse_addresses(text, *, default_language="en"):
    """Read a pasted list, one address per line with an optional language: ``ana@example.org, es``;
    an address without one gets ``default_language`` (the mailing's choice).

    Returns (recipients, errors); each error is a sentence naming the line, what is in it and what
    is wrong with it (not an address, an unsupported language, too many parts). An address repeated
    in any case counts once.
    """
    recipients, errors, seen = [], [], {}
    for number, raw_line in enumerate((text or "").splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[,;\t]", line) if part.strip()]
        email = parts[0] if parts else ""
        language = parts[1].lower() if len(parts) > 1 else default_language
        params = {"number": number, "line": line[:120], "language": language, "languages": ", ".join(LANGUAGE_CODES)}
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("Line %(number)s (“%(line)s”): this is not an e-mail address.") % params)
            continue
        if language not in LANGUAGE_CODES:
            errors.append(
                _("Line %(number)s (“%(line)s”): the language “%(language)s” is not one of %(languages)s.") % params
            )
            continue
        if len(parts) > 2:
            errors.append(_("Line %(number)s (“%(line)s”): write one address and, optionally, its language.") % params)
            continue
        if email.lower() in seen:
            continue  # the same address twice (in any case) is one recipient, not an error
        seen[email.lower()] = number
        recipients.append(Recipient(email=email, language=language))
    return recipients, errors


def known_names(emails):
    """{lower-cased address: name} for addresses the portal knows (registrations, focal points): two queries."""
    lowered = {email.lower() for email in emails}
    names = {}
    for email, name in (
        Registration.objects.annotate(lower=Lower("email"))
        .filter(lower__in=lowered)
        .exclude(full_name="")
        .order_by("created_at")
        .values_list("lower", "full_name")
    ):
        names[email] = name
    for focal_point in (
        FocalPoint.objects.select_related("user").annotate(lower=Lower("user__email")).filter(lower__in=lowered)
    ):
        full_name = focal_point.user.get_full_name()
        if full_name:
            names.setdefault(focal_point.user.email.lower(), full_name)
    return names


def mailing_recipients(mailing):
    """The mailing's recipients, one per address whatever its case, in a stable order."""
    if mailing.audience == Mailing.Audience.REGISTRANTS:
        statuses = mailing.registrant_statuses or [Registration.Status.CONFIRMED]
        if mailing.kind in JOIN_LINK_KINDS:
            statuses = [Registration.Status.CONFIRMED]
        people = [
            Recipient(
                email=registration.email,
                language=registration.language,
                name=registration.full_name,
                time_zone=registration.time_zone,
                registration=registration,
            )
            for registration in mailing.session.registrations.filter(
                status__in=statuses, anonymised_at__isnull=True
            ).order_by("pk")
        ]
    elif mailing.audience == Mailing.Audience.FOCAL_POINTS:
        people = [
            Recipient(
                email=focal_point.user.email,
                language=language_for_country(focal_point.country),
                name=focal_point.user.get_full_name(),
            )
            for focal_point in FocalPoint.objects.filter(is_active=True).select_related("user").order_by("pk")
            if focal_point.user.email
        ]
    elif mailing.audience == Mailing.Audience.INSTITUTIONS:
        # Convened: verified institutions of the register, and any whose people registered for the session.
        institutions = (
            Institution.objects.exclude(contact_email="")
            .filter(Q(verified=True) | Q(registration__session=mailing.session))
            .distinct()
            .order_by("pk")
        )
        people = [
            Recipient(
                email=institution.contact_email,
                language=language_for_country(institution.country),
                name=str(institution),
            )
            for institution in institutions
        ]
    else:
        people, _errors = parse_addresses(mailing.addresses, default_language=mailing.addresses_language)
        names = known_names(person.email for person in people)
        for person in people:
            person.name = names.get(person.email.lower(), "")
    seen, unique = set(), []
    for person in people:
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            unique.append(person)
    return unique


def _format_start(moment, zone_name):
    # Inside a sentence of staff's text ("la sesión será el {start_local}"): the weekday as written.
    return format_when(moment, None, zone_name, capitalise=False)


def unsubscribe_token(*, email, language):
    return signing.dumps({"e": email, "l": language}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """The (email, language) inside a token, or None when the token was not signed by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    language = data.get("l") if data.get("l") in LANGUAGE_CODES else "en"
    return data["e"], language


def unsubscribe_url(*, email, language, shared=None):
    """The one-click opt-out address of ``email``; with ``shared`` (see ``placeholder_values``) the
    URL around the token is reversed once per language."""
    address = _memo(shared, ("unsubscribe", language), lambda: _unsubscribe_address(language))
    return address.replace(_marker("token"), unsubscribe_token(email=email, language=language))


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
        "manage_url": absolute_url(registration.get_absolute_url()) if registration is not None else "",
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


# What differs between two recipients of one language; everything else is written once per build.
PERSONAL_PLACEHOLDERS = ("name", "start_local", "join_url", "manage_url")
_MARK = f"m{secrets.token_hex(6)}m"  # a word no one types, so it survives urlize and linebreaks


def _marker(name):
    return f"{_MARK}{name}{_MARK}"


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


def render_mailing(*, mailing, recipient, language=None, shared=None):
    """Subject, plain text, HTML, .ics and headers of the mailing for one recipient.

    Falls back to English, then to any filled language, when the recipient's is blank. ``shared``
    as for ``placeholder_values``: with it, both bodies are shells written once per language.
    """
    language = language or recipient.language
    if not (mailing.subject_in(language) and mailing.body_in(language)):
        filled = [code for code in ["en", *LANGUAGE_CODES] if mailing.subject_in(code) and mailing.body_in(code)]
        language = filled[0] if filled else language
    values = placeholder_values(mailing=mailing, recipient=recipient, language=language, shared=shared)
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
        subject, body_text, body_html = outbox.render_email(template="mailing", context=context, language=language)
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


def check_mailing(*, mailing, recipients=None, now=None):
    """What stops the mailing from being queued (blockers) and what staff should know (warnings)."""
    now = now or timezone.now()
    recipients = mailing_recipients(mailing) if recipients is None else recipients
    blockers, warnings = [], []
    if not recipients:
        blockers.append(_("The mailing has no recipients."))
    if mailing.audience == Mailing.Audience.ADDRESSES:
        _parsed, errors = parse_addresses(mailing.addresses, default_language=mailing.addresses_language)
        blockers.extend(errors[:20])
    for code in sorted({person.language for person in recipients}):
        if not (mailing.subject_in(code) and mailing.body_in(code)):
            blockers.append(
                _("The subject or body in %(language)s is missing and some recipients read that language.")
                % {"language": dict(settings.LANGUAGES)[code]}
            )
    unknown = unknown_placeholders(mailing)
    if unknown:
        blockers.append(
            _("Unknown placeholders: %(unknown)s. The placeholders you can use are: %(allowed)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )
    if mailing.kind == Mailing.Kind.INVITATION:
        bodies = [mailing.body_in(code) for code in LANGUAGE_CODES if mailing.body_in(code)]
        if not bodies or not all("{register_url}" in body or "{session_url}" in body for body in bodies):
            blockers.append(_("The invitation does not carry the registration link ({register_url})."))
        if not mailing.session.registration_is_open(now):
            warnings.append(_("Registration for this session is not open now."))
    if mailing.session.ends_at <= now:
        if mailing.kind in (Mailing.Kind.CONCLUSIONS, Mailing.Kind.CUSTOM):
            warnings.append(_("The session is in the past."))
        else:
            blockers.append(_("The session is in the past."))
    suppressed = len(_suppressed_addresses(person.email for person in recipients))
    if suppressed:
        warnings.append(
            _("%(count)s recipients are on the suppression list and will be skipped.") % {"count": suppressed}
        )
    if mailing.status != Mailing.Status.DRAFT:
        blockers.append(_("The mailing has already been queued."))
    return blockers, warnings


def _suppressed_addresses(emails):
    """The lower-cased addresses among ``emails`` that are on the suppression list (one query)."""
    by_hash = {outbox.address_hash(email): email.lower() for email in emails}
    found = Suppression.objects.filter(email_hash__in=list(by_hash)).values_list("email_hash", flat=True)
    return {by_hash[digest] for digest in found}


@transaction.atomic
def queue_mailing(*, mailing, now=None):
    """Move a draft mailing to queued and build it after commit (or at its scheduled time).

    Raises MailingBlocked when check_mailing finds blockers. Queueing twice builds once.
    """
    now = now or timezone.now()
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    blockers, _warnings = check_mailing(mailing=mailing, now=now)
    if blockers:
        raise MailingBlocked(blockers)
    mailing.status = Mailing.Status.QUEUED
    mailing.queued_at = now
    mailing.save(update_fields=["status", "queued_at"])
    if mailing.scheduled_at is None or mailing.scheduled_at <= now:
        _enqueue_build(mailing.pk)
    return mailing


def _enqueue_build(mailing_id):
    def enqueue():
        try:
            # Named rather than imported: tasks.py imports this module.
            current_app.signature("registrations.build_mailing", args=(mailing_id,)).delay()
        except Exception:
            logger.exception("Could not enqueue the build of mailing %s", mailing_id)

    transaction.on_commit(enqueue)


def dispatch_due_mailings(*, now=None):
    """Build queued mailings whose time has come, and any whose build task was lost or died
    half-way (a mailing stays queued until every row is written)."""
    now = now or timezone.now()
    stuck = now - timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)
    due = Mailing.objects.filter(status=Mailing.Status.QUEUED).filter(
        Q(scheduled_at__lte=now) | Q(scheduled_at__isnull=True, queued_at__lte=stuck)
    )
    for mailing_id in due.values_list("pk", flat=True):
        _enqueue_build(mailing_id)


def build_mailing(*, mailing_id, recipients=None):
    """Write one delivery per recipient not yet written, a chunk at a time, and send as it goes.

    Each chunk of ``outbox.BATCH_SIZE`` rows is committed and handed to the bulk queue at once, so
    a second worker process sends the first chunks while this one writes the rest. What reads the
    same for every recipient of a language (the local-time table, the public .ics, the HTML around
    the personal values) is written once per build (``render_mailing``'s ``shared``).
    Suppressed addresses get a row marked suppressed, so the mailing's page accounts for them.
    Building again (a retried task, a crash between two chunks) writes only the missing rows and
    hands out again the queued ones; the send path never sends a row twice. Returns the rows created.
    """
    with transaction.atomic():
        mailing = (
            Mailing.objects.select_for_update(of=("self",)).select_related("session").filter(pk=mailing_id).first()
        )
        if mailing is None or mailing.status == Mailing.Status.DRAFT:
            return 0
        recipients = mailing_recipients(mailing) if recipients is None else recipients
        existing = {email.lower() for email in mailing.deliveries.values_list("to_email", flat=True)}
        todo = [person for person in recipients if person.email.lower() not in existing]
        suppressed = _suppressed_addresses(person.email for person in todo)
        if mailing.status != Mailing.Status.QUEUED and todo:
            # Queued until every row is written: a batch that finishes meanwhile cannot mark it done,
            # and a build that dies half-way is found and finished by dispatch_due_mailings.
            mailing.status = Mailing.Status.QUEUED
            mailing.finished_at = None
            mailing.save(update_fields=["status", "finished_at"])
        # Rows an earlier build wrote whose batch never went out (the worker died between chunks).
        earlier = list(
            mailing.deliveries.filter(status=Delivery.Status.QUEUED).order_by("pk").values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_batches(earlier))
    shared = {}
    created = 0
    for start in range(0, len(todo), outbox.BATCH_SIZE):
        created += _build_chunk(mailing, todo[start : start + outbox.BATCH_SIZE], suppressed=suppressed, shared=shared)
    Mailing.objects.filter(pk=mailing_id, status=Mailing.Status.QUEUED).update(
        status=Mailing.Status.SENDING, finished_at=None
    )
    # Every batch may have finished already: then nothing else would mark the mailing done.
    update_mailing_status(mailing_ids=[mailing_id])
    return created


def _build_chunk(mailing, people, *, suppressed, shared):
    """Write and commit one chunk of deliveries, then hand its queued rows to the bulk queue."""
    rows = []
    for person in people:
        language, subject, body_text, body_html, ics, headers = render_mailing(
            mailing=mailing, recipient=person, shared=shared
        )
        rows.append(
            Delivery(
                key=f"mailing:{mailing.pk}:{person.email.lower()}"[:200],
                kind=mailing.kind,
                mailing=mailing,
                to_email=person.email,
                language=language,
                registration=person.registration,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                ics=ics,
                headers=headers,
                message_id=outbox.new_message_id(),
                status=Delivery.Status.SUPPRESSED if person.email.lower() in suppressed else Delivery.Status.QUEUED,
            )
        )
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        # ignore_conflicts returns no keys: read back the chunk's rows that wait to be sent.
        pending = list(
            Delivery.objects.filter(key__in=[row.key for row in rows], status=Delivery.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_batches(pending))
    return len(rows)


def _enqueue_batches(delivery_ids):
    for start in range(0, len(delivery_ids), outbox.BATCH_SIZE):
        outbox.enqueue_delivery_batch(delivery_ids[start : start + outbox.BATCH_SIZE])


def update_mailing_status(*, delivery_ids=None, mailing_ids=None):
    """Mark done every sending mailing (of these deliveries) that has nothing left queued."""
    if mailing_ids is None:
        mailing_ids = set(
            Delivery.objects.filter(pk__in=delivery_ids, mailing__isnull=False).values_list("mailing_id", flat=True)
        )
    for mailing_id in mailing_ids:
        if not Delivery.objects.filter(mailing_id=mailing_id, status=Delivery.Status.QUEUED).exists():
            Mailing.objects.filter(pk=mailing_id, status=Mailing.Status.SENDING).update(
                status=Mailing.Status.DONE, finished_at=timezone.now()
            )


def earlier_mailings(mailing):
    """Mailings of the same session already queued or sent, with how many they sent (one query)."""
    return list(
        Mailing.objects.filter(session_id=mailing.session_id)
        .exclude(pk=mailing.pk)
        .exclude(status=Mailing.Status.DRAFT)
        .annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            total=Count("deliveries"),
        )
        .order_by("-queued_at", "-pk")[:20]
    )


def mailing_progress(mailing):
    """Counts of the mailing's deliveries: sent, failed, pending (queued) and suppressed, in one query."""
    counts = mailing.deliveries.aggregate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        pending=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        suppressed=Count("pk", filter=Q(status=Delivery.Status.SUPPRESSED)),
        total=Count("pk"),
    )
    return counts


def retry_failed(*, mailing):
    """Queue the mailing's failed deliveries again with fresh attempts. Returns how many."""
    with transaction.atomic():
        failed = list(
            mailing.deliveries.select_for_update()
            .filter(status=Delivery.Status.FAILED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=failed).update(status=Delivery.Status.QUEUED, attempts=0, last_error="")
        if failed:
            Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING, finished_at=None)
        transaction.on_commit(lambda: _enqueue_batches(failed))
    return len(failed)


def send_test(*, mailing, to_email, language, recipient=None):
    """Send the mailing as ``recipient`` would get it, to ``to_email`` only (a new row each time)."""
    recipient = recipient or Recipient(email=to_email, language=language)
    language, subject, body_text, body_html, ics, headers = render_mailing(
        mailing=mailing, recipient=recipient, language=language
    )
    delivery = Delivery.objects.create(
        key=f"mailing-test:{mailing.pk}:{outbox.new_message_id()}"[:200],
        kind=f"{mailing.kind}-test",
        to_email=to_email,
        language=language,
        subject=f"[TEST] {subject}",
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        message_id=outbox.new_message_id(),
    )
    transaction.on_commit(lambda: outbox.enqueue_delivery(delivery.pk))
    return delivery


def _automatic_mailing(*, session, kind, auto_key):
    """Get or create a mailing the portal writes itself, with the default texts, already queued."""
    mailing = Mailing.objects.filter(auto_key=auto_key).first()
    if mailing is None:
        mailing = fill_defaults(
            mailing=Mailing(
                session=session,
                kind=kind,
                audience=Mailing.Audience.REGISTRANTS,
                registrant_statuses=[Registration.Status.CONFIRMED],
                status=Mailing.Status.QUEUED,
                queued_at=timezone.now(),
                auto_key=auto_key,
            )
        )
        mailing.attach_ics = kind == Mailing.Kind.UPDATE
        try:
            with transaction.atomic():
                mailing.save()
        except IntegrityError:
            # A concurrent run (two beat ticks, two admins) created it first.
            mailing = Mailing.objects.get(auto_key=auto_key)
    return mailing


def send_due_reminders(*, now=None):
    """Write the reminders that are due for every upcoming session; returns the rows created.

    For each session only the nearest due offset counts (someone confirmed two hours before gets
    the 24-hour reminder now, then the 1-hour one), and each (session, offset) is one mailing whose
    rows are unique per address, so running this twice, or every few minutes, sends each once.
    """
    now = now or timezone.now()
    upcoming = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=60),
            registrations__status=Registration.Status.CONFIRMED,
        )
        .exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
        .distinct()
    )
    created = 0
    for session in upcoming:
        offsets = [minutes for minutes in session.reminder_offsets_minutes or [] if isinstance(minutes, int)]
        due = [minutes for minutes in offsets if session.starts_at - timedelta(minutes=minutes) <= now]
        if not due:
            continue
        auto_key = f"reminder:{session.pk}:{session.ics_sequence}:{min(due)}"
        mailing = _automatic_mailing(session=session, kind=Mailing.Kind.REMINDER, auto_key=auto_key)
        created += build_mailing(mailing_id=mailing.pk)
    return created


def save_session(*, session):
    """Save staff's edit of ``session``; when its start moved, reschedule as ``reschedule_session`` does.

    Returns the update mailing, or None when the start did not change.
    """
    with transaction.atomic():
        stored_start = Session.objects.select_for_update().values_list("starts_at", flat=True).get(pk=session.pk)
        new_start = session.starts_at
        session.starts_at = stored_start
        session.save()
        return reschedule_session(session=session, starts_at=new_start)


def reschedule_session(*, session, starts_at):
    """Move the session, raise its calendar SEQUENCE and send confirmed registrants an update.

    The update carries each person's .ics with the same UID and the new SEQUENCE, so calendars move
    the event. Reminders already sent for the old time are sent again for the new one. Returns the
    update mailing, or None when the start did not change.
    """
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.starts_at == starts_at:
            session.starts_at = starts_at
            return None
        locked.starts_at = starts_at
        locked.ics_sequence += 1
        locked.save(update_fields=["starts_at", "ics_sequence", "updated_at"])
        session.starts_at, session.ics_sequence, session.updated_at = (
            locked.starts_at,
            locked.ics_sequence,
            locked.updated_at,
        )
        mailing = _automatic_mailing(
            session=locked, kind=Mailing.Kind.UPDATE, auto_key=f"update:{locked.pk}:{locked.ics_sequence}"
        )
        _enqueue_build(mailing.pk)
    return mailing


@transaction.atomic
def unsubscribe(*, email):
    """Put ``email`` on the suppression list as an opt-out, and withdraw the address's agreement to
    hear about future activities on every registration. Returns the Suppression."""
    Registration.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower(), contact_opt_in=True
    ).update(contact_opt_in=False)
    return outbox.suppress_address(email=email, reason=Suppression.Reason.OPT_OUT)
