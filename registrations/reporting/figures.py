"""The group's figures at a glance: registrations, confirmations and attendance, and their rates,
per session and across the working group; by country, institution kind and gender; countries that
answered the guiding questions; mailing delivery.

Definitions (the dashboard prints them): *registrations* are every registration, whatever its
status; *confirmed* are those that held a seat (confirmed, or attended); *attended* are those the
attendance import or staff marked attended. The confirmation rate is confirmed / registrations,
the attendance rate attended / confirmed.

Each table is one grouped query, so the page costs the same number of queries for 1 or 100
sessions.
"""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django_countries import countries

from common import spreadsheets
from registrations.models import Contribution, Delivery, Institution, Registration
from sessions_app.models import Session

CONFIRMED = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)
COUNTS = {
    "registered": Count("pk"),
    "confirmed": Count("pk", filter=Q(status__in=CONFIRMED)),
    "attended": Count("pk", filter=Q(status=Registration.Status.ATTENDED)),
    "waitlisted": Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    "pending": Count("pk", filter=Q(status=Registration.Status.PENDING)),
    "cancelled": Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
}


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    key: str
    label: str
    registered: int = 0
    confirmed: int = 0
    attended: int = 0
    waitlisted: int = 0
    pending: int = 0
    cancelled: int = 0

    @property
    def confirmation_rate(self):
        return _rate(self.confirmed, self.registered)

    @property
    def attendance_rate(self):
        return _rate(self.attended, self.confirmed)

    def add(self, other):
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ContributionRow:
    session: Session
    countries: list  # country names that submitted answers

    @property
    def count(self):
        return len(self.countries)


@dataclass
class Figures:
    sessions: list  # Sessions in the selection
    by_session: list  # Row per session
    total: Row
    by_country: list
    by_kind: list
    by_gender: list
    contributions: list  # ContributionRow per session
    delivery: dict  # sent, failed, suppressed, pending, total
    answering_countries: list = field(default_factory=list)


def selected_sessions(*, session_id=None, date_from=None, date_to=None):
    """Sessions filtered by one session or by the period in which they start (dates inclusive, UTC)."""
    sessions = Session.objects.select_related("group").order_by("starts_at")
    if session_id:
        sessions = sessions.filter(pk=session_id)
    if date_from:
        sessions = sessions.filter(starts_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        sessions = sessions.filter(starts_at__lte=timezone.make_aware(datetime.combine(date_to, time.max)))
    return list(sessions)


def _rows(queryset, key, labels):
    rows = []
    for values in queryset.values(key).annotate(**COUNTS).order_by(key):
        code = values.pop(key)
        code = "" if code is None else str(code)
        rows.append(Row(key=code, label=labels(code), **values))
    return rows


def group_figures(*, sessions):
    """Every table of the dashboard for ``sessions`` (7 queries whatever their number)."""
    session_ids = [session.pk for session in sessions]
    registrations = Registration.objects.filter(session_id__in=session_ids).order_by()

    per_session = {row.key: row for row in _rows(registrations, "session", lambda code: code)}
    by_session = []
    total = Row(key="", label=_("All selected sessions"))
    for session in sessions:
        row = per_session.get(str(session.pk)) or Row(key=str(session.pk), label="")
        row.label = str(session)
        by_session.append(row)
        total.add(row)

    by_country = _rows(registrations, "country", lambda code: countries.name(code) or code or _("Not given"))
    by_country.sort(key=lambda row: (-row.registered, row.label))
    kind_labels = dict(Institution.Kind.choices)
    by_kind = _rows(
        registrations,
        "institution__kind",
        lambda code: str(kind_labels.get(code, _("Not in the register of institutions"))),
    )
    by_kind.sort(key=lambda row: (-row.registered, row.label))
    gender_labels = dict(Registration.Gender.choices)
    by_gender = _rows(registrations, "gender", lambda code: str(gender_labels.get(code, _("Not given"))))
    by_gender.sort(key=lambda row: (-row.registered, row.label))

    submitted = {}
    for session_id, country in (
        Contribution.objects.filter(session_id__in=session_ids, status=Contribution.Status.SUBMITTED)
        .order_by("country")
        .values_list("session_id", "country")
    ):
        submitted.setdefault(session_id, []).append(countries.name(country) or country)
    contributions = [ContributionRow(session=session, countries=submitted.get(session.pk, [])) for session in sessions]
    answering = sorted({name for names in submitted.values() for name in names})

    delivery = Delivery.objects.filter(
        Q(mailing__session_id__in=session_ids) | Q(registration__session_id__in=session_ids)
    ).aggregate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        suppressed=Count("pk", filter=Q(status=Delivery.Status.SUPPRESSED)),
        pending=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        total=Count("pk"),
    )
    return Figures(
        sessions=sessions,
        by_session=by_session,
        total=total,
        by_country=by_country,
        by_kind=by_kind,
        by_gender=by_gender,
        contributions=contributions,
        delivery=delivery,
        answering_countries=answering,
    )


# ── Tables (the same cells for the page and the CSV) and charts ───────────────────────────────


def _pct(value):
    return "" if value is None else f"{value:.1f} %"


def count_headers():
    return [_("Registrations"), _("Confirmed"), _("Attended"), _("Confirmation rate"), _("Attendance rate")]


def _count_cells(row):
    return [row.registered, row.confirmed, row.attended, _pct(row.confirmation_rate), _pct(row.attendance_rate)]


def tables(figures):
    """{name: (caption, header, rows)}: each table of the dashboard, the same for the page and its CSV."""
    return {
        "sessions": (
            _("By session"),
            [_("Session"), *count_headers(), _("Waiting list"), _("Pending"), _("Cancelled")],
            [
                [row.label, *_count_cells(row), row.waitlisted, row.pending, row.cancelled]
                for row in [*figures.by_session, figures.total]
            ],
        ),
        "countries": (
            _("By country"),
            [_("Country"), *count_headers()],
            [[row.label, *_count_cells(row)] for row in figures.by_country],
        ),
        "kinds": (
            _("By institution kind"),
            [_("Institution kind"), *count_headers()],
            [[row.label, *_count_cells(row)] for row in figures.by_kind],
        ),
        "genders": (
            _("By gender"),
            [_("Gender"), *count_headers()],
            [[row.label, *_count_cells(row)] for row in figures.by_gender],
        ),
        "contributions": (
            _("Countries that answered the guiding questions"),
            [_("Session"), _("Countries"), _("Which")],
            [[str(row.session), row.count, ", ".join(row.countries)] for row in figures.contributions],
        ),
        "delivery": (
            _("Mailing delivery"),
            [_("Sent"), _("Failed"), _("Suppressed"), _("Waiting"), _("Total")],
            [
                [
                    figures.delivery["sent"],
                    figures.delivery["failed"],
                    figures.delivery["suppressed"],
                    figures.delivery["pending"],
                    figures.delivery["total"],
                ]
            ],
        ),
    }


def table_csv(caption, header, rows):
    """UTF-8 with a BOM (Excel shows accents); cells that a spreadsheet would run are neutralised."""
    return spreadsheets.csv_bytes(header, rows)


SERIES = (("registered", "registered"), ("confirmed", "confirmed"), ("attended", "attended"))


def bar_chart(*, chart_id, title, description, rows, series=SERIES, label_width=160, width=480):
    """A horizontal grouped bar chart as inline SVG: role="img", a <title> and a <desc>, text labels.

    Rendered on the server, so it needs no script; the data table beside it carries the same numbers.
    """
    bar_height, gap = 13, 12
    group_height = bar_height * len(series) + gap
    top = 8
    height = top + max(len(rows), 1) * group_height + 8
    plot_width = width - label_width - 50
    largest = max([getattr(row, name) for row in rows for name, _css in series] or [0]) or 1
    parts = []
    for index, row in enumerate(rows):
        y = top + index * group_height
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                label_width - 8,
                y + bar_height * len(series) / 2,
                Truncator(row.label).chars(20),
            )
        )
        for offset, (name, css) in enumerate(series):
            value = getattr(row, name)
            bar = round(plot_width * value / largest, 1)
            bar_y = y + offset * bar_height
            parts.append(
                format_html(
                    '<rect class="bar-{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
                    '<text x="{}" y="{}" dominant-baseline="middle" font-size="11">{}</text>',
                    css,
                    label_width,
                    bar_y,
                    bar,
                    bar_height - 1,
                    row.label,
                    value,
                    label_width + bar + 4,
                    bar_y + bar_height / 2,
                    value,
                )
            )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc"'
        ' id="{}"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="axis" x1="{}" y1="0" x2="{}" y2="{}"></line>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        label_width,
        label_width,
        height,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
