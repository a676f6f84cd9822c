"""What a participant may do with their registration now.

One function per question, read by the private page to decide what to show and by every write path
(``seats``) to decide what to accept, so an action the page hides is also refused on POST.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models import Registration
from sessions_app.models import Session

# Registration states of a session, as the register box and the refusals describe them.
OPEN = "open"
NOT_YET_OPEN = "not_yet_open"
CLOSED = "closed"
CANCELLED = "cancelled"
PAST = "past"

STATE_MESSAGES = {
    NOT_YET_OPEN: _("Registration for this session is not open yet."),
    CLOSED: _("Registration for this session is closed."),
    CANCELLED: _("This session has been cancelled."),
    PAST: _("This session has already taken place."),
}

# Statuses that hold a seat.
SEAT_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def registration_state(session, *, now=None):
    """One of OPEN, NOT_YET_OPEN, CLOSED, CANCELLED or PAST."""
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        return CANCELLED
    if session.is_past(now) or session.status in (Session.Status.HELD, Session.Status.CONCLUSIONS_PUBLISHED):
        return PAST
    if session.registration_is_open(now):
        return OPEN
    if session.status in (Session.Status.DRAFT, Session.Status.PUBLISHED):
        return NOT_YET_OPEN
    if session.registration_opens_at and now < session.registration_opens_at:
        return NOT_YET_OPEN
    return CLOSED


@dataclass(frozen=True)
class ParticipantActions:
    """What the person behind a private link may do now; each flag is shown and enforced alike."""

    state: str
    confirm: bool  # confirm a pending registration (double opt-in)
    rejoin: bool  # register again after cancelling, while registration is open
    change: bool  # edit their own details
    cancel: bool
    calendar: bool  # download their .ics
    join_link: bool  # see the video platform's link
    documents: bool  # conclusions, roadmap and their certificate, after the session
    accept_notice: bool  # added by a focal point or staff: the person has not accepted the notice yet
    change_country: bool  # a country change would move a held seat or a waiting-list place: staff only
    download_data: bool  # everything stored about them, as JSON and as a page
    delete_data: bool  # erase their personal data (a confirmation step first)
    withdraw_opt_in: bool  # stop hearing about future activities


def participant_actions(registration, *, now=None):
    """The ParticipantActions of ``registration`` (its ``session`` must be loaded)."""
    state = registration_state(registration.session, now=now)
    status = registration.status
    Status = Registration.Status
    upcoming = state not in (PAST, CANCELLED)
    return ParticipantActions(
        state=state,
        confirm=status == Status.PENDING and upcoming,
        rejoin=status == Status.CANCELLED and state == OPEN,
        # After the session a person may still correct the name on their certificate.
        change=status != Status.CANCELLED and state != CANCELLED,
        cancel=status in (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED) and upcoming,
        calendar=status != Status.CANCELLED and upcoming,
        join_link=status == Status.CONFIRMED and upcoming,
        documents=state == PAST,
        accept_notice=registration.consent_given_at is None,
        change_country=status in (Status.PENDING, Status.CANCELLED) and state != CANCELLED,
        # Rights that hold whatever the registration's state: the token is the only key needed.
        download_data=True,
        delete_data=True,
        withdraw_opt_in=registration.contact_opt_in,
    )


def waitlist_position(registration):
    """1 for the first person on the waiting list; None when not waitlisted."""
    if registration.status != Registration.Status.WAITLISTED or registration.waitlisted_at is None:
        return None
    # Those who joined earlier, and those who joined at the same instant with a lower id: one count.
    ahead = Q(waitlisted_at__lt=registration.waitlisted_at) | Q(
        waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk
    )
    queue = Registration.objects.filter(session_id=registration.session_id, status=Registration.Status.WAITLISTED)
    return queue.filter(ahead).count() + 1
