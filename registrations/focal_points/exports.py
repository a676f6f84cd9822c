"""The focal point's export of their country's registrations (CSV and XLSX, ``common.spreadsheets``).

Only what the focal-point pages show: no gender, needs or consent details, which the privacy notice
keeps for the programme staff. Every cell that a spreadsheet would run as a formula is written as
text, and the CSV quotes every cell, so Excel set to Spanish or Portuguese (which splits on ";")
cannot turn "x;=1+2" into a formula either.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import csv_bytes, xlsx_bytes


def header():
    return [_("Session"), _("Full name"), _("E-mail"), _("Position"), _("Institution"), _("Status"),
            _("Registered by"), _("Registered at")]  # fmt: skip


def rows(registrations, *, zone):
    for registration in registrations:
        yield [
            f"{registration.session.number}. {registration.session.title}",
            registration.full_name,
            registration.email,
            registration.position,
            str(registration.institution) if registration.institution_id else registration.institution_name,
            registration.get_status_display(),
            registration.get_source_display(),
            timezone.localtime(registration.created_at, zone).strftime("%Y-%m-%d %H:%M"),
        ]


def as_csv(registrations, *, zone):
    """UTF-8 with a BOM (Excel then reads the accents); every cell quoted. Returns bytes."""
    return csv_bytes(header(), rows(registrations, zone=zone))


def as_xlsx(registrations, *, zone):
    """One sheet, every cell text. Returns bytes."""
    return xlsx_bytes(header(), rows(registrations, zone=zone), title=_("Registrations"), freeze_header=True)
