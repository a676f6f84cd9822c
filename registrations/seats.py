"""Seats of a session: confirm, waitlist, cancel and promote, never past capacity.

Every change that gives or frees a seat runs in one transaction that first locks the session:
``SELECT ... FOR UPDATE`` on the session row on PostgreSQL (with a bounded ``lock_timeout``), and
on SQLite a no-op write that takes the database's single write lock (SQLite's busy timeout bounds
the wait). Counting the seats and changing a registration then happen under that lock, so two
requests can never both take the last seat. A lock that is not obtained in time raises
``SessionBusy``, which the views turn into a "please try again" page. Registering and changing
one's details, which take a seat through these functions, are in ``registering.py``.

Messages go through the outbox inside the same transaction: the row is written with the change and
the send task is enqueued only after commit.
"""

import copy

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.auditing import save_on_record
from registrations import notifications
from registrations.consent import record_consent
from registrations.models import Registration, Suppression
from registrations.outbox.suppression import address_hash
from registrations.rules import (  # noqa: F401 - the states are part of this module's vocabulary for its callers
    CANCELLED,
    CLOSED,
    NOT_YET_OPEN,
    OPEN,
    PAST,
    SEAT_STATUSES,
    STATE_MESSAGES,
    participant_actions,
    registration_state,
    waitlist_position,
)
from registrations.seat_counts import can_take_seat, seat_counts, waiting_list
from sessions_app.models import Session


class RegistrationError(Exception):
    """A registration change that cannot be made; ``message`` is translatable and safe to show."""

    default_message = _("This registration cannot be changed now.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)


class RegistrationClosed(RegistrationError):
    default_message = _("Registration for this session is closed.")


class ActionNotAllowed(RegistrationError):
    """The person asked for something their private page does not offer now."""

    default_message = _("This registration can no longer be changed this way.")


class ConsentRequired(RegistrationError):
    """The person has not accepted the privacy notice, which confirming needs."""

    default_message = _("Please read the privacy notice and accept it to confirm your registration.")


class CountryChangeNotAllowed(ActionNotAllowed):
    default_message = _(
        "Your country cannot be changed here once you hold a seat or a place on the waiting list: "
        "write to the programme team (%(email)s), who will check the seats reserved for each country."
    )

    def __init__(self, message=None):
        super().__init__(message or str(self.default_message) % {"email": settings.PROGRAMME_CONTACT_EMAIL})


class SessionBusy(RegistrationError):
    default_message = _("Many people are registering right now. Please try again in a moment.")


# What decides a seat (capacity, status, registration window, start and length): the columns that
# ``lock_session`` reads. The session's texts, three times over with their translations, are no
# part of the decision and would double the cost of reading the row under the lock (bench/README.md).
SEAT_FIELDS = (
    "capacity",
    "status",
    "starts_at",
    "duration_minutes",
    "registration_opens_at",
    "registration_closes_at",
)


def lock_session(session_id):
    """Lock the session row for the rest of the current transaction and return it fresh, with the
    columns that decide a seat (SEAT_FIELDS; any other is read when asked for).

    Must run inside ``transaction.atomic``. Raises SessionBusy when the lock is not obtained in time.
    """
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    [f"{settings.REGISTRATION_LOCK_TIMEOUT_MS}ms"],
                )
        elif connection.vendor == "sqlite":
            # SELECT ... FOR UPDATE does nothing on SQLite; a write as the first statement takes the
            # database's write lock now, so the seat count below cannot be read by two writers.
            Session.objects.filter(pk=session_id).update(capacity=F("capacity"))
        # The session row alone: what decides a seat is in it (its group is not needed under the lock).
        return Session.objects.select_for_update().only(*SEAT_FIELDS).get(pk=session_id)
    except OperationalError as exc:
        raise SessionBusy() from exc


def _seat(registration, *, now, promoted=False):
    """``registration``, locked and as stored, gets a seat; the person is told."""
    before = copy.copy(registration)
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = now
    registration.waitlisted_at = None
    registration.cancelled_at = None
    if registration.ics_sequence:
        # A seat again after a cancellation: the new invitation must be newer than the CANCEL.
        registration.ics_sequence += 1
    fields = ["status", "confirmed_at", "waitlisted_at", "cancelled_at", "ics_sequence", "updated_at"]
    save_on_record(registration, before=before, update_fields=fields)
    notifications.send_confirmed(registration=registration, promoted=promoted)


def _anyone_fits(session, taken_by_country, reservations):
    """False once the session is full, or the pool is full and every reserved seat is taken."""
    # "" is no country's code: it asks whether the unreserved pool has room.
    if can_take_seat(session, "", taken_by_country, reservations):
        return True
    return sum(taken_by_country.values()) < session.capacity and any(
        taken_by_country.get(code, 0) < seats for code, seats in reservations.items()
    )


def _fill_free_seats(session, *, now, exclude_pk=None, taken_by_country=None, reservations=None, waiting=None):
    """Seat the waiting list in order, each person who fits ``can_take_seat``; the session must be locked.

    People who don't fit (their country's reserved seats and the pool are full) keep their place.
    ``taken_by_country`` and ``reservations``, given together when the caller counted them
    (``seat_counts``), else read here; ``taken_by_country`` is updated in place, so the caller can
    go on counting. ``waiting`` (how many others wait, when counted) spares reading an empty list.
    """
    if session.status == Session.Status.CANCELLED or session.is_past(now) or waiting == 0:
        return []
    if session.capacity is None:
        promoted = list(_queue(session, exclude_pk).select_for_update())
        for registration in promoted:
            registration.session = session
            _seat(registration, now=now, promoted=True)
        return promoted
    if taken_by_country is None:
        taken, _waiting, reservations = seat_counts(session)
    else:
        taken = taken_by_country
    free = session.capacity - sum(taken.values())
    if free <= 0:
        return []
    queue = _queue(session, exclude_pk)
    # Without reservations everyone fits until the session is full: only the first ``free`` are read.
    candidates = queue.select_for_update()[:free] if not reservations else queue.select_for_update()
    promoted = []
    for registration in candidates:
        if not _anyone_fits(session, taken, reservations):
            break
        country = registration.country.code
        if not can_take_seat(session, country, taken, reservations):
            continue
        registration.session = session
        _seat(registration, now=now, promoted=True)
        taken[country] = taken.get(country, 0) + 1
        promoted.append(registration)
    return promoted


def _queue(session, exclude_pk):
    queue = waiting_list(session)
    return queue if exclude_pk is None else queue.exclude(pk=exclude_pk)


def _lock_registration(registration):
    """Lock the session row, then the registration's, and return the registration read afresh.

    Must run inside ``transaction.atomic``; the session is always locked first, so two seat changes
    never wait on each other in opposite orders. Raises SessionBusy when the lock times out.
    """
    session = lock_session(registration.session_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    registration.session = session
    return registration


def _waitlist(registration, *, now):
    """Put the registration (locked and as stored) at the end of the waiting list and tell the person."""
    before = copy.copy(registration)
    registration.status = Registration.Status.WAITLISTED
    registration.waitlisted_at = now
    registration.confirmed_at = None
    registration.cancelled_at = None
    fields = ["status", "waitlisted_at", "confirmed_at", "cancelled_at", "updated_at"]
    save_on_record(registration, before=before, update_fields=fields)
    notifications.send_waitlisted(registration=registration)


def confirm_registration(*, registration, by_staff=False, notice=None, contact_opt_in=False):
    """Confirm a pending (or cancelled) registration: a seat if one is free for the person's country
    (``can_take_seat``), else the waiting list.

    A waitlisted registration gets a seat only if one is free for it. Confirmed ones are left alone.
    The person themself may only do what ``participant_actions`` allows (confirm or rejoin); staff
    may also try to seat a waitlisted person. Someone a focal point or staff added must accept the
    privacy notice first: ``notice`` is the published version they were shown, recorded with the
    confirmation, with their ``contact_opt_in`` choice. Raises ConsentRequired without it,
    RegistrationClosed for a cancelled or past session (or rejoining outside the window),
    SessionBusy when the lock times out.

    The person confirming from the e-mailed link has shown the address is theirs: if their data
    were erased once, they want our mail again, and the address leaves the suppression list with
    the confirmation. (Not on the form alone, which anyone may fill in with anyone's address; nor
    when staff confirm.)
    """
    with transaction.atomic():
        if not by_staff:
            # Before the session lock, which it does not need: one statement of this transaction.
            Suppression.objects.filter(
                email_hash=address_hash(registration.email), reason=Suppression.Reason.ERASED
            ).delete()
        registration = _lock_registration(registration)
        if registration.anonymised_at is not None:
            # Erased while the confirmation was on its way: nothing is left to confirm.
            raise ActionNotAllowed()
        session = registration.session
        if not by_staff and registration.consent_given_at is None:
            if notice is None or not notice.is_published:
                raise ConsentRequired()
            fields = record_consent(registration, notice=notice)
            # Their own choice, on the same page; never pre-ticked, never set by someone else.
            registration.contact_opt_in = bool(contact_opt_in)
            registration.save(update_fields=[*fields, "contact_opt_in", "updated_at"])
        if registration.status in SEAT_STATUSES:
            return registration
        now = timezone.now()
        actions = participant_actions(registration, now=now)
        state = actions.state
        if state in (CANCELLED, PAST):
            raise RegistrationClosed(STATE_MESSAGES[state])
        if registration.status == Registration.Status.CANCELLED and not actions.rejoin:
            raise RegistrationClosed(STATE_MESSAGES[state])
        if not by_staff and registration.status == Registration.Status.WAITLISTED:
            return registration
        # Seats freed by a higher capacity go to those already waiting before anyone new.
        if session.capacity is None:
            taken, reservations, others_waiting = {}, {}, None
        else:
            taken, waiting, reservations = seat_counts(session)
            others_waiting = waiting - (registration.status == Registration.Status.WAITLISTED)
        _fill_free_seats(
            session,
            now=now,
            exclude_pk=registration.pk,
            taken_by_country=taken,
            reservations=reservations,
            waiting=others_waiting,
        )
        if can_take_seat(session, registration.country.code, taken, reservations):
            _seat(registration, now=now)
        elif registration.status != Registration.Status.WAITLISTED:
            _waitlist(registration, now=now)
    return registration


def cancel_registration(*, registration, by_staff=False):
    """Cancel; a freed seat goes to the first person on the waiting list it fits, who is told by e-mail.

    The person themself may cancel only when ``participant_actions`` allows it (not after the
    session, not once attended): otherwise ActionNotAllowed, and nothing changes.
    """
    with transaction.atomic():
        registration = _lock_registration(registration)
        session = registration.session
        if registration.status == Registration.Status.CANCELLED:
            return registration
        if not by_staff and not participant_actions(registration).cancel:
            raise ActionNotAllowed(_("This registration can no longer be cancelled."))
        had_seat = registration.status in SEAT_STATUSES
        now = timezone.now()
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.ics_sequence += 1
        registration.save(update_fields=["status", "cancelled_at", "ics_sequence", "updated_at"])
        notifications.send_cancelled(registration=registration, had_seat=had_seat)
        if had_seat:
            _fill_free_seats(session, now=now)
    return registration


def move_to_waitlist(*, registration):
    """Staff: put a registration at the end of the waiting list; a freed seat goes to the next one."""
    with transaction.atomic():
        registration = _lock_registration(registration)
        session = registration.session
        if registration.status == Registration.Status.WAITLISTED:
            return registration
        had_seat = registration.status in SEAT_STATUSES
        now = timezone.now()
        _waitlist(registration, now=now)
        if had_seat:
            _fill_free_seats(session, now=now, exclude_pk=registration.pk)
    return registration


def promote_from_waitlist(*, session):
    """Give every free seat to the waiting list in order; returns the promoted registrations."""
    with transaction.atomic():
        session = lock_session(session.pk)
        return _fill_free_seats(session, now=timezone.now())


def release_seat_for_erasure(*, registration):
    """Cancel an upcoming registration without a word to the person, whose data are being erased.

    A freed seat goes to the waiting list as for any cancellation (those promoted are told). Past
    sessions keep their status (attended or not) for the statistics. Returns the registration.
    """
    with transaction.atomic():
        registration = _lock_registration(registration)
        session = registration.session
        state = registration_state(session)
        if registration.status == Registration.Status.CANCELLED or state in (PAST, CANCELLED):
            return registration
        had_seat = registration.status in SEAT_STATUSES
        now = timezone.now()
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        if had_seat:
            _fill_free_seats(session, now=now)
    return registration
