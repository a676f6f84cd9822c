"""One session's registrations by status, country and gender: the admin's summary tables."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _
from django_countries import countries

from registrations.models import Registration

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
