"""Exports of registrations for staff: CSV (UTF-8 with BOM) and XLSX.

Every cell goes through ``common.spreadsheets``, which keeps what a spreadsheet would run as text.
"""

from datetime import UTC

from django.utils.translation import gettext as _

from common import spreadsheets
from registrations.models import Registration


def export_queryset(queryset):
    return queryset.select_related("session", "institution").order_by("session__starts_at", "created_at", "pk")


def export_header():
    return [
        _("Session"),
        _("E-mail"),
        _("Full name"),
        _("Position"),
        _("Institution"),
        _("Institution kind"),
        _("Country"),
        _("Preferred language"),
        _("Time zone"),
        _("Gender"),
        _("Accessibility or interpretation needs"),
        _("Status"),
        _("Registered by"),
        _("Agrees to future contact"),
        _("Privacy notice version"),
        _("Consent given at (UTC)"),
        _("Registered at (UTC)"),
        _("Confirmed at (UTC)"),
    ]


def _utc(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_rows(queryset):
    for registration in export_queryset(queryset):
        institution = registration.institution
        gender = registration.get_gender_display()
        if registration.gender == Registration.Gender.SELF_DESCRIBED and registration.gender_self_described:
            gender = f"{gender}: {registration.gender_self_described}"
        yield [
            f"{registration.session.number}. {registration.session.title}",
            registration.email,
            registration.full_name,
            registration.position,
            str(institution) if institution else registration.institution_name,
            institution.get_kind_display() if institution else "",
            registration.country.name,
            registration.get_language_display(),
            registration.time_zone,
            gender,
            registration.accessibility_needs,
            registration.get_status_display(),
            registration.get_source_display(),
            _("Yes") if registration.contact_opt_in else _("No"),
            registration.consent_text_version,
            _utc(registration.consent_given_at),
            _utc(registration.created_at),
            _utc(registration.confirmed_at),
        ]


def export_csv(queryset):
    """UTF-8 with a BOM so that Excel shows accents; returns bytes."""
    return spreadsheets.csv_bytes(export_header(), export_rows(queryset))


def export_xlsx(queryset):
    """An .xlsx workbook with one sheet; returns bytes."""
    return spreadsheets.xlsx_bytes(export_header(), export_rows(queryset), title=_("Registrations"), freeze_header=True)
