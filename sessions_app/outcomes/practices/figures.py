"""Practices counted by country, stage and theme, for the staff's figures page."""

from dataclasses import dataclass

from django.db.models import Count
from django_countries import countries as country_names

from registrations.reporting import figures as registration_figures
from sessions_app.outcomes.practices.models import Practice

SERIES = (("count", "confirmed"),)


@dataclass
class Row:
    label: str
    count: int


def practice_counts():
    """{"by_country": [Row], "by_stage": [Row], "by_theme": [Row], "by_status": [Row]}: four queries."""
    practices = Practice.objects.exclude(status=Practice.Status.REJECTED)
    published = practices.filter(status=Practice.Status.PUBLISHED)
    by_country = [
        Row(country_names.name(row["country"]) if row["country"] else "—", row["n"])
        for row in published.values("country").annotate(n=Count("pk")).order_by("country")
    ]
    by_country.sort(key=lambda row: (-row.count, row.label))
    stages = dict(Practice.Stage.choices)
    by_stage = [
        Row(str(stages.get(row["stage"], "—")), row["n"])
        for row in published.values("stage").annotate(n=Count("pk")).order_by("stage")
    ]
    by_theme = [
        Row(row["themes__name"] or "—", row["n"])
        for row in published.values("themes__name").annotate(n=Count("pk", distinct=True)).order_by("themes__name")
    ]
    statuses = dict(Practice.Status.choices)
    by_status = [
        Row(str(statuses[row["status"]]), row["n"])
        for row in practices.values("status").annotate(n=Count("pk")).order_by("status")
    ]
    return {"by_country": by_country, "by_stage": by_stage, "by_theme": by_theme, "by_status": by_status}


def chart(*, chart_id, title, description, rows):
    return registration_figures.bar_chart(
        chart_id=chart_id, title=title, description=description, rows=rows, series=SERIES
    )
