"""The e-mails a registrant receives, each queued in the outbox in the registrant's language.

Every message has a key derived from the event it reports (the registration and the instant of the
change), so queueing it twice stores one row and a retried task sends it once. Times are written in
the registrant's zone and in the session's, each with its IANA name and UTC offset. The join link
appears only in the message to a confirmed person.
"""

from collections import Counter
from copy import copy

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext

from common.email_preview import calendar_summary
from common.links import absolute_reverse, absolute_url
from common.timezones import format_when
from registrations.link_keys import LINK_PLACEHOLDER
from registrations.models import Delivery, Registration
from registrations.outbox.queueing import queue_email, render_email
from registrations.outbox.suppression import address_hash
from registrations.rules import waitlist_position
from registrations.tokens import is_expired
from sessions_app.calendar import session_calendar


def _context(registration, **extra):
    session = registration.session
    with translation.override(registration.language):
        context = {
            "registration": registration,
            "session": session,
            "when_local": format_when(session.starts_at, session.ends_at, registration.time_zone),
            "when_session": format_when(session.starts_at, session.ends_at, session.time_zone),
            "same_zone": registration.time_zone == session.time_zone,
            # The key goes in as the outbox sends (tokens.fill_private_links): no stored copy holds it.
            "manage_url": absolute_reverse(
                "registrations:manage", kwargs={"token": LINK_PLACEHOLDER}, language=registration.language
            ),
            "confirm_url": absolute_reverse(
                "registrations:confirm", kwargs={"token": LINK_PLACEHOLDER}, language=registration.language
            ),
            "session_url": absolute_url(session.get_absolute_url()),
        }
    context.update(extra)
    return context


def _stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%S.%f")


def _queue(registration, *, kind, key, **params):
    """Store the message for the worker to render (``render_delivery``) right before it sends it."""
    return queue_email(
        key=f"registration:{registration.pk}:{key}",
        kind=kind,
        to_email=registration.email,
        language=registration.language,
        registration=registration,
        render_params=params,
    )


def send_confirmation_request(*, registration, again=False):
    """The double opt-in message with the confirmation link."""
    key = f"confirm-request:{_stamp(timezone.now())[:13]}" if again else "confirm-request"
    return _queue(registration, kind="registration_confirm", key=key)


def send_private_link(*, registration):
    """The private link again (someone registered the address once more); at most one per 10 minutes."""
    bucket = _stamp(timezone.now())[:12]  # YYYYMMDDTHHM: ten-minute buckets
    return _queue(registration, kind="registration_link", key=f"link:{bucket}")


def send_private_links(*, email, now=None):
    """ "Find my registration": one message with its private link to each registration of ``email``
    (any case) whose link still opens, in the registration's language. Returns how many were queued;
    the page that asked never tells (``views.find_registration``).

    The link is the one the person had: keys are derived (``tokens``), so nothing is re-issued and
    the link in an earlier e-mail keeps working.
    """
    now = now or timezone.now()
    registrations = (
        Registration.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=(email or "").strip().lower(), anonymised_at__isnull=True)
        .exclude(email="")
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )
    queued = 0
    for registration in registrations:
        if is_expired(registration, now=now):
            continue
        _queue(registration, kind="registration_found", key=f"found:{_stamp(now)}")
        queued += 1
    return queued


def send_private_link_after_nomination(*, registration):
    """The private link again, after a focal point tried to nominate this registered address: at
    most one such message per address and day, however often anyone tries."""
    day = timezone.now().strftime("%Y%m%d")
    return queue_email(
        key=f"link-after-nomination:{address_hash(registration.email)}:{day}",
        kind="registration_link",
        to_email=registration.email,
        language=registration.language,
        registration=registration,
        render_params={},
    )


def send_confirmed(*, registration, promoted=False, again=False):
    """'You have a seat', with the join link and the invitation (.ics, METHOD:REQUEST)."""
    key = f"confirmed:{_stamp(registration.confirmed_at or timezone.now())}"
    if again:
        key += f":again:{_stamp(timezone.now())[:13]}"
    return _queue(registration, kind="registration_confirmed", key=key, promoted=promoted)


def send_waitlisted(*, registration):
    """'You are on the waiting list', with the position when the worker writes the message."""
    return _queue(registration, kind="registration_waitlisted", key=f"waitlisted:{_stamp(registration.waitlisted_at)}")


def send_cancelled(*, registration, had_seat):
    """Cancellation notice; someone who had a seat also gets a METHOD:CANCEL calendar update."""
    key = f"cancelled:{_stamp(registration.cancelled_at)}"
    return _queue(registration, kind="registration_cancelled", key=key, had_seat=had_seat)


# ── Rendering, in the worker ─────────────────────────────────────────────────────────────────


def _calendar(registration, params, kind):
    if kind == "registration_confirmed":
        return session_calendar(registration.session, registration=registration).decode()
    if kind == "registration_cancelled" and params.get("had_seat"):
        return session_calendar(registration.session, registration=registration, method="CANCEL").decode()
    return ""


def render_delivery(delivery):
    """Subject, texts and calendar file of a registrant's message, written from the registration
    as it is now (the join link, the waiting-list position) with the event's ``render_params``.

    Returns a dict of Delivery fields.
    """
    registration = delivery.registration
    params = delivery.render_params or {}
    extra = {}
    if delivery.kind == "registration_confirmed":
        extra = {"promoted": params.get("promoted", False), "join_url": registration.session.join_url}
    elif delivery.kind == "registration_waitlisted":
        extra = {"position": waitlist_position(registration)}
    subject, body_text, body_html = render_email(
        template=delivery.kind, context=_context(registration, **extra), language=delivery.language
    )
    return {
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "ics": _calendar(registration, params, delivery.kind),
    }


def render_pending(*, delivery_id):
    """Render a delivery queued with ``render_params`` and store it, without sending it. Does
    nothing to a row that is rendered already (or gone). (The send task writes the message in the
    transaction that sends it: ``sending.send_delivery(render=render_delivery)``.)"""
    with transaction.atomic():
        delivery = (
            # Only the delivery row: the registration and session are read, never locked here, so the
            # seat functions (which lock the session first) cannot deadlock with a render.
            Delivery.objects.select_for_update(of=("self",))
            .select_related("registration__session__group")
            .filter(pk=delivery_id, render_params__isnull=False, registration__isnull=False)
            .first()
        )
        if delivery is None:
            return
        for name, value in render_delivery(delivery).items():
            setattr(delivery, name, value)
        delivery.render_params = None
        delivery.save(update_fields=["subject", "body_text", "body_html", "ics", "render_params"])


def placeholder_name(language):
    """The name a preview shows for a recipient the viewer may not see."""
    with translation.override(language):
        return gettext("[recipient's name]")


def _preview_person(registrations, language, *, session, named):
    """Who a preview in ``language`` is written for: the first of ``registrations`` in that language
    when ``named``, otherwise (or when none is) a placeholder person of that language."""
    person = next((registration for registration in registrations if registration.language == language), None)
    if named and person is not None:
        return person
    return Registration(
        session=session,
        full_name=placeholder_name(language),
        language=language,
        time_zone=session.time_zone,
        status=person.status if person is not None else Registration.Status.WAITLISTED,
    )


def previewed(registrations):
    """The registrations ``mailing_plan`` writes its previews for, in their order: the first of each
    language (the first of all among them, whose session a placeholder takes). Given in the same
    order, they alone make ``plan_preview_html`` write every language's message again, so a frame's
    address names at most one registration a language however many are selected."""
    firsts = {}
    for registration in registrations:
        firsts.setdefault(registration.language, registration)
    return list(firsts.values())


def mailing_plan(*, registrations, kind, named=False, **extra):
    """What staff see before an action e-mails ``registrations`` a message ``kind``.

    {"by_language": [(language name, count)], "previews": [{"code", "language", "subject", "body",
    "calendar"}] (one per language, as its first person would get it, or with ``named`` false as a
    placeholder person of that language would; ``plan_preview_html`` writes its HTML part),
    "sent_before": {"same_kind", "people", "total"}}. Links hold the placeholder key, never a live one.
    """
    names = dict(settings.LANGUAGES)
    counts = Counter(registration.language for registration in registrations)
    previews = []
    for code in sorted(counts):
        person = _preview_person(registrations, code, session=registrations[0].session, named=named)
        try:
            subject, body, _html = render_email(
                template=kind, context=_context(person, **extra), language=person.language
            )
        except Exception:  # noqa: BLE001 - a preview that cannot render must not stop the page
            subject, body = "", ""
        previews.append(
            {
                "code": code,
                "language": names.get(code, code),
                "subject": subject,
                "body": body,
                "calendar": _calendar_in_words(person, kind, extra),
            }
        )
    sent_before = Delivery.objects.filter(
        registration__in=[registration.pk for registration in registrations]
    ).aggregate(
        same_kind=Count("pk", filter=Q(kind=kind)),
        people=Count("registration", filter=Q(kind=kind), distinct=True),
        total=Count("pk"),
    )
    return {
        "by_language": [(names.get(code, code), counts[code]) for code in sorted(counts)],
        "previews": previews,
        "sent_before": sent_before,
    }


def plan_preview_html(*, registrations, kind, language, session, named=False, **extra):
    """The HTML part of the message ``kind`` in ``language`` that ``mailing_plan`` previews, for the
    staff page's sandboxed frame (``common.email_preview``): written for the same person (or the
    placeholder), with placeholder keys in its links."""
    person = _preview_person(registrations, language, session=session, named=named)
    return render_email(template=kind, context=_context(person, **extra), language=language)[2]


def _calendar_in_words(person, kind, extra):
    """The calendar file the message carries once sent, said in words (``common.email_preview``). A
    person moved from the waiting list gets the confirmed person's invitation."""
    if kind == "registration_confirmed":
        person = copy(person)
        person.status = Registration.Status.CONFIRMED
    try:
        return calendar_summary(_calendar(person, extra, kind))
    except Exception:  # noqa: BLE001 - a summary that cannot be written must not stop the page
        return None
