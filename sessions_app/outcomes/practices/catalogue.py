"""The public catalogue: published practices, filters that combine, a count beside each value.

Each filter's counts are those of the practices matching every *other* filter (so a visitor sees
what choosing a value would give). A filter on a many-to-many (themes, populations) is a subquery,
never a join, so no practice is counted twice. Every facet is one aggregate query: the page costs
the same number of queries whatever the number of practices.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_names

from sessions_app.models import ThematicFocus
from sessions_app.outcomes.practices.models import Population, Practice
from sessions_app.outcomes.practices.text import LANGUAGE_CODES

FILTERS = ("country", "stage", "theme", "population", "type", "evaluation", "language")
LABELS = {
    "country": _("Country"),
    "stage": _("Stage of the criminal process"),
    "theme": _("Theme"),
    "population": _("Population"),
    "type": _("Type"),
    "evaluation": _("Evaluation"),
    "language": _("Text available in"),
}


def published():
    return Practice.objects.filter(status=Practice.Status.PUBLISHED)


def clean_filters(params):
    """{name: value} of the known filters present in a QueryDict; anything else is ignored."""
    return {name: params.get(name, "")[:40] for name in FILTERS if params.get(name, "")}


def _condition(name, value):
    if name == "country":
        return Q(country=value.upper())
    if name == "stage":
        return Q(stage=value)
    if name == "type":
        return Q(practice_type=value)
    if name == "evaluation":
        return Q(evaluation=value)
    if name == "theme":
        return Q(pk__in=Practice.themes.through.objects.filter(thematicfocus__slug=value).values("practice_id"))
    if name == "population":
        return Q(pk__in=Practice.populations.through.objects.filter(population__slug=value).values("practice_id"))
    if name == "language" and value in LANGUAGE_CODES:
        return Q(**{f"title_{value}__gt": ""})  # neither NULL nor empty
    return Q(pk__in=[])


def apply(queryset, filters, *, skip=None):
    for name, value in filters.items():
        if name != skip:
            queryset = queryset.filter(_condition(name, value))
    return queryset


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool


def _counts(queryset, field):
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk", distinct=True)).order_by()}


def facets(filters):
    """[(name, label, [Option, ...])] for every filter, counts under the other filters."""
    base = published()
    result = []

    def add(name, counts, labels):
        options = [
            Option(value=value, label=str(label), count=counts.get(value, 0), selected=filters.get(name) == value)
            for value, label in labels
            if counts.get(value, 0) or filters.get(name) == value
        ]
        result.append((name, LABELS[name], options))

    countries = _counts(apply(base, filters, skip="country").exclude(country=""), "country")
    add(
        "country", countries, sorted(((code, country_names.name(code)) for code in countries), key=lambda pair: pair[1])
    )
    add("stage", _counts(apply(base, filters, skip="stage"), "stage"), Practice.Stage.choices)
    themes = _counts(apply(base, filters, skip="theme"), "themes__slug")
    add("theme", themes, [(theme.slug, theme.name) for theme in ThematicFocus.objects.all()])
    populations = _counts(apply(base, filters, skip="population"), "populations__slug")
    add("population", populations, [(population.slug, population.name) for population in Population.objects.all()])
    add("type", _counts(apply(base, filters, skip="type"), "practice_type"), Practice.Type.choices)
    add("evaluation", _counts(apply(base, filters, skip="evaluation"), "evaluation"), Practice.Evaluation.choices)
    languages = apply(base, filters, skip="language").aggregate(
        **{code: Count("pk", filter=Q(**{f"title_{code}__gt": ""})) for code in LANGUAGE_CODES}
    )
    add("language", languages, settings.LANGUAGES)
    return result


def practice_list(filters):
    return apply(published(), filters).prefetch_related("themes", "populations").order_by("-published_at", "pk")
