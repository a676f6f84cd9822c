"""The focal point's export of their country's registrations (CSV and XLSX).

Only what the focal-point pages show: no gender, needs or consent details, which the privacy notice
keeps for the programme staff. Every cell that a spreadsheet would run as a formula is written as
text, and the CSV quotes every cell, so Excel set to Spanish or Portuguese (which splits on ";")
cannot turn "x;=1+2" into a formula either.
"""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from ..reports import _safe

# TODO(house layout): switch to common.spreadsheets once it lands on main.


def header():
    return [_("Session"), _("Full name"), _("E-mail"), _("Position"), _("Institution"), _("Status"),
            _("Registered by"), _("Registered at")]  # fmt: skip


def rows(registrations, *, zone):
    for registration in registrations:
        yield [
            _safe(value)
            for value in (
                f"{registration.session.number}. {registration.session.title}",
                registration.full_name,
                registration.email,
                registration.position,
                str(registration.institution) if registration.institution_id else registration.institution_name,
                registration.get_status_display(),
                registration.get_source_display(),
                timezone.localtime(registration.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            )
        ]


def as_csv(registrations, *, zone):
    """UTF-8 with a BOM (Excel then reads the accents); every cell quoted. Returns bytes."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(header())
    writer.writerows(rows(registrations, zone=zone))
    return buffer.getvalue().encode("utf-8")


def as_xlsx(registrations, *, zone):
    """One sheet, every cell a string. Returns bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Registrations")[:31]
    sheet.append(header())
    for row in rows(registrations, zone=zone):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
