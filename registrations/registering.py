"""Registering for a session (by the person, a focal point or staff) and a registrant's own changes.

A registration that may take a seat does so through ``seats`` under the session's lock; see there.
"""

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from common.timezones import zone_for_country
from registrations import notifications
from registrations.consent import current_notice, record_consent
from registrations.models import Registration
from registrations.rules import (
    OPEN,
    SEAT_STATUSES,
    STATE_MESSAGES,
    participant_actions,
    registration_state,
)
from registrations.seats import ActionNotAllowed, ConsentRequired, CountryChangeNotAllowed, RegistrationClosed
from sessions_app.models import Session

# What callers may set through ``data``; anything else is ignored.
DATA_FIELDS = (
    "email",
    "full_name",
    "position",
    "institution",
    "institution_name",
    "country",
    "language",
    "time_zone",
    "gender",
    "gender_self_described",
    "accessibility_needs",
    "contact_opt_in",
)


DETAIL_FIELDS = tuple(name for name in DATA_FIELDS if name != "email")


def find_registration(*, session, email):
    """The registration of ``email`` (any case) for ``session``, or None."""
    return (
        Registration.objects.annotate(email_lower=Lower("email"))
        .filter(session=session, email_lower=Lower(Value(email.strip())))
        .first()
    )


def register_participant(*, session, data, source=Registration.Source.SELF, registered_by=None, notice=None):
    """Create a PENDING registration and queue the confirmation request (double opt-in).

    Consent is recorded only for the person themself (``source`` SELF), with ``notice``, the
    published privacy notice they read and accepted (the current one when not given). A focal
    point or staff member cannot consent, nor agree to future contact, for someone else: their
    rows stay unconsented until the person accepts the notice on the confirm page.

    When the e-mail is already registered for the session (in any case) nothing is created and the
    private link is sent again to that address; the caller cannot tell the two cases apart.
    Raises RegistrationClosed outside the registration window, except for staff; ConsentRequired
    for a self-registration without a notice.
    """
    if source != Registration.Source.STAFF:
        state = registration_state(session)
        if state != OPEN:
            raise RegistrationClosed(STATE_MESSAGES[state])
    if source == Registration.Source.SELF:
        # The form passes the version the person was shown; other callers mean the current one.
        notice = notice if notice is not None else current_notice()
        if notice is None or not notice.is_published:
            raise ConsentRequired()
    fields = {name: data[name] for name in DATA_FIELDS if name in data and data[name] is not None}
    fields["email"] = fields["email"].strip()
    if source != Registration.Source.SELF:
        fields["contact_opt_in"] = False
    # Insert first: the unique constraint on (lower(email), session) tells a known address apart, at
    # no cost to the new ones (most), where a look-up first would cost every registration a query.
    try:
        with transaction.atomic():
            registration = Registration(
                session=session,
                status=Registration.Status.PENDING,
                source=source,
                registered_by=registered_by,
                **fields,
            )
            if source == Registration.Source.SELF:
                record_consent(registration, notice=notice)
            registration.save()
            notifications.send_confirmation_request(registration=registration)
    except IntegrityError:
        # The address is registered already (perhaps by another request a moment ago): nothing of
        # this attempt is kept, and the private link goes again to that address.
        existing = find_registration(session=session, email=fields["email"])
        if existing is None:
            raise
        notifications.send_private_link(registration=existing)
        return existing
    return registration


def send_again(*, session, email):
    """The "it did not arrive" button of the check-your-inbox page: the confirmation request again
    for a registration still pending, the private link for any other; nothing for an address not
    registered for ``session`` (the page says the same either way). The outbox keys allow one
    message per address and minute (confirmation) or ten minutes (link), so repeated clicks send once."""
    registration = find_registration(session=session, email=email or "")
    if registration is None or not registration.token or registration.anonymised_at:
        return None
    if registration.status == Registration.Status.PENDING:
        return notifications.send_confirmation_request(registration=registration, again=True)
    return notifications.send_private_link(registration=registration)


def session_is_held(session, *, now=None):
    """Held (or its conclusions published, or simply over): nobody is asked to confirm any more."""
    held = (Session.Status.HELD, Session.Status.CONCLUSIONS_PUBLISHED)
    return session.status in held or session.is_past(now)


def add_by_staff(*, session, data, registered_by, notify=False, attended=False):
    """Staff add a person: mailed only if staff ask; for a held session never, and recorded as such.

    Held session: the person is recorded as attended (``attended``) or as confirmed (invited, did
    not attend), without any e-mail. Upcoming session: with ``notify`` the usual confirmation
    request goes out (as ``register_participant``); without, the registration waits, unmailed,
    until staff resend the confirmation e-mail. A blank or "UTC" time zone becomes the zone of the
    person's country. An address already registered is returned as it is, and nobody is mailed.
    """
    data = dict(data)
    if not data.get("time_zone") or data.get("time_zone") == "UTC":
        data["time_zone"] = zone_for_country(data.get("country")) or session.time_zone
    if notify and not session_is_held(session):
        return register_participant(
            session=session, data=data, source=Registration.Source.STAFF, registered_by=registered_by
        )
    fields = {name: data[name] for name in DATA_FIELDS if name in data and data[name] is not None}
    fields["email"] = fields["email"].strip()
    # Only the person may opt in to future contact, never staff for them.
    fields["contact_opt_in"] = False
    existing = find_registration(session=session, email=fields["email"])
    if existing is not None:
        return existing
    if session_is_held(session):
        status = Registration.Status.ATTENDED if attended else Registration.Status.CONFIRMED
    else:
        status = Registration.Status.PENDING
    now = timezone.now()
    try:
        with transaction.atomic():
            return Registration.objects.create(
                session=session,
                status=status,
                source=Registration.Source.STAFF,
                registered_by=registered_by,
                # Added by staff: no consent until the person accepts the notice themself.
                confirmed_at=now if status != Registration.Status.PENDING else None,
                **fields,
            )
    except IntegrityError:
        existing = find_registration(session=session, email=fields["email"])
        if existing is None:
            raise
        return existing


def change_details(*, registration, data):
    """Save the person's own changes (never e-mail, status or consent); returns the registration
    as stored.

    The row is locked and the rule checked again on it as stored: a confirmation running at the
    same moment (which locks the same row) either sees the new country or has seated the person,
    and then the country change is refused. Raises ActionNotAllowed when ``participant_actions``
    does not allow a change now, CountryChangeNotAllowed for a country change it does not allow.
    """
    with transaction.atomic():
        session = registration.session
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .filter(pk=registration.pk, anonymised_at__isnull=True)
            .first()
        )
        if registration is None:
            raise ActionNotAllowed()
        registration.session = session
        actions = participant_actions(registration)
        if not actions.change:
            raise ActionNotAllowed()
        country = data.get("country")
        if country and str(country) != registration.country.code and not actions.change_country:
            raise CountryChangeNotAllowed()
        for name in DETAIL_FIELDS:
            if name in data and data[name] is not None:
                setattr(registration, name, data[name])
        registration.save(update_fields=[*DETAIL_FIELDS, "updated_at"])
    return registration


def resend_confirmation(*, registration):
    """Staff: send again what the person needs now (confirmation request, or the confirmed e-mail)."""
    if registration.status == Registration.Status.PENDING:
        notifications.send_confirmation_request(registration=registration, again=True)
    elif registration.status in SEAT_STATUSES:
        notifications.send_confirmed(registration=registration, again=True)
    else:
        notifications.send_private_link(registration=registration)


def withdraw_contact_opt_in(*, registration):
    """The person no longer wants to hear about future activities: every registration of their
    address forgets the agreement. Raises ActionNotAllowed when there is nothing to withdraw."""
    if not participant_actions(registration).withdraw_opt_in:
        raise ActionNotAllowed()
    return (
        Registration.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=registration.email.strip().lower(), contact_opt_in=True, anonymised_at__isnull=True)
        .update(contact_opt_in=False)
    )
