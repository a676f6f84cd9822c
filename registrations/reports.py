"""Figures and exports for staff: the per-session summary, CSV (UTF-8 with BOM) and XLSX.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @ or a tab/CR) are
prefixed with an apostrophe, so a name typed as ``=HYPERLINK(...)`` stays text.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC

from django.db.models import Count
from django.utils.translation import gettext as _
from django_countries import countries

from .models import Registration

SUMMARY_STATUSES = (
    Registration.Status.CONFIRMED,
    Registration.Status.ATTENDED,
    Registration.Status.WAITLISTED,
    Registration.Status.CANCELLED,
    Registration.Status.PENDING,
)


@dataclass
class SummaryRow:
    label: str
    counts: dict = field(default_factory=dict)  # status -> number

    def cells(self):
        return [self.counts.get(status, 0) for status in SUMMARY_STATUSES]


@dataclass
class RegistrationSummary:
    statuses: list
    totals: SummaryRow
    by_country: list
    by_gender: list


def registration_summary(session):
    """Registrations of ``session`` counted by status, in total, by country and by gender (2 queries)."""
    base = Registration.objects.filter(session=session).order_by()
    totals = SummaryRow(label=_("Total"))
    by_country = {}
    for row in base.values("country", "status").annotate(n=Count("pk")):
        code = str(row["country"] or "")
        entry = by_country.setdefault(code, SummaryRow(label=countries.name(code) or code or "—"))
        entry.counts[row["status"]] = entry.counts.get(row["status"], 0) + row["n"]
        totals.counts[row["status"]] = totals.counts.get(row["status"], 0) + row["n"]
    gender_labels = dict(Registration.Gender.choices)
    by_gender = {}
    for row in base.values("gender", "status").annotate(n=Count("pk")):
        key = row["gender"] or ""
        entry = by_gender.setdefault(key, SummaryRow(label=str(gender_labels.get(key, _("Not given")))))
        entry.counts[row["status"]] = entry.counts.get(row["status"], 0) + row["n"]
    status_labels = dict(Registration.Status.choices)
    return RegistrationSummary(
        statuses=[str(status_labels[status]) for status in SUMMARY_STATUSES],
        totals=totals,
        by_country=sorted(by_country.values(), key=lambda row: row.label),
        by_gender=[by_gender[key] for key, _label in [("", ""), *Registration.Gender.choices] if key in by_gender],
    )


def export_queryset(queryset):
    return queryset.select_related("session", "institution").order_by("session__starts_at", "created_at", "pk")


# Control characters XLSX cannot hold (openpyxl refuses the whole file), e.g. typed by staff or
# pasted from a word processor; vertical tabs and form feeds were line breaks there.
_BREAKS = re.compile(r"[\x0b\x0c]")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0e-\x1f]")


# What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_STARTS = "=+-@"
# A separator that some spreadsheet may split on (Excel in Spanish or Portuguese splits on ";"), or a
# line break, then anything a reader might strip (spaces, quotes), then a formula start: the cell
# that such a split would begin there gets its apostrophe too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][\s\"']*)(?=[=+\-@])")


def _safe(value):
    """One cell of a CSV or XLSX file, that no spreadsheet runs as a formula.

    The one escaping rule of every spreadsheet the portal writes: a cell that starts with a
    formula character (after any spaces or quotes), or that would start with one if a reader split
    it on any separator (",", ";", tab, line break), gets an apostrophe there, which spreadsheets
    show as text. Numbers stay numbers. Writers also quote every cell (``csv.QUOTE_ALL``), so a
    cell that holds a separator is one cell whatever separator the reader uses.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    text = _UNWRITABLE.sub("", _BREAKS.sub("\n", text))
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    stripped = text.lstrip(" \"'")
    if stripped[:1] in tuple(FORMULA_STARTS) or text[:1] in ("\t", "\r"):
        return "'" + text
    return text


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
            _safe(value)
            for value in (
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
            )
        ]


def export_csv(queryset):
    """UTF-8 with a BOM so that Excel shows accents; returns bytes."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([_safe(cell) for cell in export_header()])
    writer.writerows(export_rows(queryset))
    return buffer.getvalue().encode("utf-8")


def export_xlsx(queryset):
    """An .xlsx workbook with one sheet; returns bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Registrations")[:31]
    sheet.append(export_header())
    for row in export_rows(queryset):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
