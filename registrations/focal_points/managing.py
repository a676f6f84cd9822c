"""What a focal point does with what they created: change, withdraw or re-send a nomination, and
keep the institution register tidy (delete an unused entry, merge duplicates).

A focal point manages the nominations of their own country that a focal point made
(``source=focal_point``); people who registered themselves are only listed. Each rule that a page
shows (may this nomination be withdrawn?) is one function here that the page and the write path
both call. Re-sending to one's own nominee is not an attempt at someone else's address, so it is
not counted against the nomination limits: the outbox key still sends at most one copy per
address and ten minutes.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.institutions import find_duplicate_institution
from registrations.focal_points.nominations import is_closed_for_focal_points
from registrations.models import Institution, Registration
from registrations.notifications import send_confirmation_request, send_private_link
from registrations.seats import cancel_registration

OPEN_STATUSES = (Registration.Status.PENDING, Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
EDITABLE_FIELDS = ("full_name", "position", "institution", "language")


@dataclass(frozen=True)
class NominationActions:
    edit: bool
    withdraw: bool
    resend: bool


NO_ACTIONS = NominationActions(edit=False, withdraw=False, resend=False)


def nomination_for_focal_point(*, focal_point, pk):
    """The nomination ``pk`` of the focal point's country, or None (another country's is None too)."""
    return (
        Registration.objects.select_related("session", "institution")
        .filter(
            pk=pk,
            country=focal_point.country,
            source=Registration.Source.FOCAL_POINT,
            anonymised_at__isnull=True,
        )
        .first()
    )


def nomination_actions(registration, *, focal_point):
    """What the focal point may do with ``registration`` now."""
    if (
        registration.source != Registration.Source.FOCAL_POINT
        or registration.country != focal_point.country
        or registration.anonymised_at is not None
        or registration.status not in OPEN_STATUSES
        or is_closed_for_focal_points(registration.session)
    ):
        return NO_ACTIONS
    return NominationActions(edit=True, withdraw=True, resend=bool(registration.token))


def _require(registration, *, focal_point, action):
    if not getattr(nomination_actions(registration, focal_point=focal_point), action):
        raise FocalPointError(_("This nomination can no longer be changed."))


@transaction.atomic
def edit_nomination(*, registration, focal_point, data):
    """Change the nominee's name, position, institution (of the country) or e-mail language.
    The address stays: another address is another person (withdraw and nominate them).
    Raises FocalPointError."""
    registration = Registration.objects.select_for_update().select_related("session").get(pk=registration.pk)
    _require(registration, focal_point=focal_point, action="edit")
    institution = data.get("institution")
    if institution is not None and institution.country != focal_point.country:
        raise FocalPointError(_("Choose an institution of your own country."))
    registration.full_name = data["full_name"]
    registration.position = data.get("position", "")
    registration.institution = institution
    registration.institution_name = institution.name if institution else registration.institution_name
    registration.language = data.get("language") or registration.language
    registration.save(update_fields=[*EDITABLE_FIELDS, "institution_name", "updated_at"])
    return registration


def withdraw_nomination(*, registration, focal_point):
    """Cancel the nomination: the person is told, a freed seat goes to the waiting list."""
    _require(registration, focal_point=focal_point, action="withdraw")
    return cancel_registration(registration=registration, by_staff=True)


def resend_nomination(*, registration, focal_point):
    """The nominee's message again: the confirmation request while pending, else the private link."""
    _require(registration, focal_point=focal_point, action="resend")
    if registration.status == Registration.Status.PENDING:
        return send_confirmation_request(registration=registration, again=True)
    return send_private_link(registration=registration)


# --- the institution register -------------------------------------------------------------------


def institution_uses(institution):
    """How many rows point at ``institution`` (registrations, focal points, roadmap actions, and
    whatever else a later wing links to it): 0 means it may be deleted."""
    total = 0
    for relation in Institution._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            total += relation.related_model._base_manager.filter(**{relation.field.name: institution}).count()
    return total


@transaction.atomic
def delete_institution(*, institution, focal_point):
    """Delete an institution of the focal point's country that nothing uses. Raises FocalPointError."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.country != focal_point.country:
        raise FocalPointError(_("Only your own country's institutions can be changed."))
    if institution_uses(institution):
        raise FocalPointError(
            _("%(name)s is used by registrations or by the programme's records: merge it into another entry instead.")
            % {"name": institution}
        )
    institution.delete()


@transaction.atomic
def merge_into(*, target, duplicate, focal_point):
    """Point everything that uses ``duplicate`` at ``target`` (both of the focal point's country),
    copy what the target lacks, then delete the duplicate. Returns the target."""
    if target.pk == duplicate.pk:
        raise FocalPointError(_("Choose another institution to merge."))
    if target.country != focal_point.country or duplicate.country != focal_point.country:
        raise FocalPointError(_("Only your own country's institutions can be changed."))
    for relation in Institution._meta.related_objects:
        if relation.one_to_many:
            relation.related_model._base_manager.filter(**{relation.field.name: duplicate}).update(
                **{relation.field.name: target}
            )
    for key in ("acronym", "sector", "website", "contact_email"):
        if not getattr(target, key) and getattr(duplicate, key):
            setattr(target, key, getattr(duplicate, key))
    target.verified = target.verified or duplicate.verified
    target.save()
    duplicate.delete()
    return target


def likely_duplicates(institutions):
    """[(institution, its likely duplicate)] among ``institutions`` (one country's, loaded), each pair
    once: names that say the same thing, in Spanish, Portuguese or English."""
    pairs, seen = [], []
    for institution in institutions:
        match = find_duplicate_institution(
            country=None, name=institution.name, acronym=institution.acronym, institutions=seen
        )
        if match is not None:
            pairs.append((match, institution))
        seen.append(institution)
    return pairs
