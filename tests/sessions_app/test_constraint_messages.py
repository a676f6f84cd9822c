"""Every database constraint of the portal's models has a form check that puts a translated
message on the field, so staff never read "Constraint “…” is violated.".

The list of constraints comes from the models themselves: a new constraint fails
``test_every_constraint_is_covered`` until it gets a case here (or is shown to be written by code only).
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.utils import translation

from agenda.admin import AgendaItemForm, AgendaRoleForm
from agenda.models import AgendaRole
from registrations.admin.registrations import RegistrationAdminForm
from registrations.admin.seat_reservations import SeatReservationForm
from registrations.models import (
    Contribution,
    ContributionAnswer,
    Delivery,
    PrivacyNotice,
    SeatReservation,
    Suppression,
)
from registrations.outbox.admin import SuppressionForm
from sessions_app.admin_forms import AgendaItemInlineForm
from sessions_app.models import Document, Session
from sessions_app.outcomes.admin.roadmap import RoadmapItemAdminForm
from tests.factories import AgendaItemFactory, AgendaRoleFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("sessions_app", "agenda", "registrations")


def all_constraints():
    return sorted(
        (model._meta.label, constraint.name)
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
    )


def admin_form(model, obj=None):
    request = RequestFactory().get("/admin/")
    request.user = type("Staff", (), {"is_active": True, "is_staff": True, "has_perm": lambda *a: True})()
    return admin.site._registry[model].get_form(request, obj)


# ── One case per constraint that staff can run into: (form, the field that must carry the error) ──


def session_number():
    existing = SessionFactory()
    form = admin_form(Session)({"group": existing.group_id, "number": existing.number})
    return form, "number"


def session_window():
    session = SessionFactory()
    form = admin_form(Session)(
        {
            "group": session.group_id,
            "number": session.number + 100,
            "registration_opens_at_0": "2027-05-10",
            "registration_opens_at_1": "10:00",
            "registration_closes_at_0": "2027-05-01",
            "registration_closes_at_1": "10:00",
        }
    )
    return form, "registration_closes_at"


def session_certificate_minimum():
    session = SessionFactory()
    form = admin_form(Session)(
        {"group": session.group_id, "number": session.number + 100, "certificate_min_percent": 150}
    )
    return form, "certificate_min_percent"


def roadmap_owner():
    group = SessionFactory().group
    form = RoadmapItemAdminForm(
        {
            "group": group.pk,
            "title_en": "Map",
            "owner_kind": "country",
            "owner_country": "",
            "status": "planned",
            "order": 0,
        }
    )
    return form, "owner_country"


def _own_parent_data(item):
    return {
        "session": item.session_id,
        "parent": item.pk,
        "order": 0,
        "kind": "opening",
        "title_en": "x",
        "duration_minutes": 5,
    }


def agenda_own_parent():
    item = AgendaItemFactory()
    return AgendaItemForm(_own_parent_data(item), instance=item), "parent"


def agenda_own_parent_inline():
    item = AgendaItemFactory()
    return AgendaItemInlineForm(_own_parent_data(item), instance=item), "parent"


def agenda_role():
    role = AgendaRoleFactory()
    form = AgendaRoleForm(
        {"speaker": role.speaker_id, "role": role.role, "order": 1}, instance=AgendaRole(item=role.item)
    )
    return form, "speaker"


def registration_email():
    existing = RegistrationFactory(email="Ana@Example.org")
    form = RegistrationAdminForm(
        {"session": existing.session_id, "email": "ana@example.org", "full_name": "Ana", "language": "es"}
    )
    return form, "email"


def seat_reservation_country():
    reservation = SeatReservation.objects.create(session=SessionFactory(), country="UY", seats=2)
    form = SeatReservationForm({"country": "UY", "seats": 1}, instance=SeatReservation(session=reservation.session))
    return form, "country"


def seat_reservation_positive():
    form = SeatReservationForm({"country": "UY", "seats": 0}, instance=SeatReservation(session=SessionFactory()))
    return form, "seats"


def suppression_email():
    Suppression.objects.create(email="Gone@Example.org", reason=Suppression.Reason.OPT_OUT)
    return SuppressionForm({"email": "gone@example.org", "reason": "opt_out"}), "email"


CASES = {
    ("sessions_app.Session", "session_number_unique_in_group"): [session_number],
    ("sessions_app.Session", "session_registration_window_ordered"): [session_window],
    ("sessions_app.Session", "session_certificate_min_percent_range"): [session_certificate_minimum],
    ("sessions_app.RoadmapItem", "roadmap_item_owner_matches_kind"): [roadmap_owner],
    ("agenda.AgendaItem", "agenda_item_not_own_parent"): [agenda_own_parent, agenda_own_parent_inline],
    ("agenda.AgendaRole", "agenda_role_unique"): [agenda_role],
    ("registrations.Registration", "registration_email_unique_per_session"): [registration_email],
    ("registrations.SeatReservation", "seat_reservation_unique_per_country"): [seat_reservation_country],
    ("registrations.SeatReservation", "seat_reservation_seats_positive"): [seat_reservation_positive],
}

# Unique fields (not Meta constraints) that staff can still run into: the same field-error rule holds.
UNIQUE_FIELD_CASES = [suppression_email]

# Rows that no form writes: the portal's own code creates them (and the admin cannot add or change them).
WRITTEN_BY_CODE = {
    ("sessions_app.Document", "document_version_unique"): Document,
    ("sessions_app.Document", "document_version_unique_per_registration"): Document,
    ("sessions_app.Document", "document_certificate_has_registration"): Document,
    ("registrations.Delivery", "delivery_unique_per_mailing_address"): Delivery,
    ("registrations.Contribution", "contribution_unique_per_country"): Contribution,
    ("registrations.ContributionAnswer", "contribution_answer_unique"): ContributionAnswer,
}


# Constraints on fields that no admin form shows: only a domain function sets them.
NOT_IN_ANY_FORM = {
    # Publishing (an admin action) gives the version and the date together; staff edit drafts' text only.
    ("registrations.PrivacyNotice", "privacy_notice_published_has_version"): (
        PrivacyNotice,
        {"version", "published_at"},
    ),
}


def test_every_constraint_is_covered():
    assert all_constraints() == sorted([*CASES, *WRITTEN_BY_CODE, *NOT_IN_ANY_FORM])


@pytest.mark.parametrize("key", sorted(NOT_IN_ANY_FORM), ids=lambda key: key[1])
def test_constrained_fields_that_no_admin_form_shows(key):
    model, fields = NOT_IN_ANY_FORM[key]

    form_fields = set(admin_form(model)().fields)

    assert form_fields and form_fields.isdisjoint(fields)


@pytest.mark.parametrize(
    "case",
    [case for cases in CASES.values() for case in cases] + UNIQUE_FIELD_CASES,
    ids=lambda case: case.__name__,
)
def test_a_violation_is_a_field_error_in_the_staff_language(case):
    def field_errors(language):
        with transaction.atomic(), translation.override(language):
            form, field = case()
            valid = form.is_valid()
            errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
            transaction.set_rollback(True)
        return valid, field, errors

    valid, field, errors = field_errors("es")
    _valid, _field, english = field_errors("en")

    assert not valid
    assert errors.get(field), errors
    every_message = " ".join(message for messages in errors.values() for message in messages)
    assert "Constraint" not in every_message and "Restricción" not in every_message
    assert not any(name in every_message for _label, name in all_constraints())
    # The message on the field is Spanish, not the English source.
    assert errors[field] != english[field]


@pytest.mark.parametrize("key", sorted(WRITTEN_BY_CODE), ids=lambda key: key[1])
def test_constraints_without_a_form_cannot_be_reached_from_the_admin(key, rf, staff):
    model = WRITTEN_BY_CODE[key]
    request = rf.get("/admin/")
    request.user = staff
    model_admin = admin.site._registry.get(model)
    if model_admin is None:  # not registered: only reachable through an inline
        inline_admins = [
            inline
            for registered in admin.site._registry.values()
            for inline in registered.get_inline_instances(request)
            if inline.model is model
        ]
        assert inline_admins and all(not inline.has_add_permission(request, None) for inline in inline_admins)
        return
    assert not model_admin.has_add_permission(request)
    readonly = set(model_admin.get_readonly_fields(request))
    editable = {field.name for field in model._meta.fields if field.editable and not field.primary_key}
    assert not model_admin.has_change_permission(request) or editable <= readonly
