"""Lists of practices for pages of lower layers (the focal point's dashboard, a held session's page),
which load this library by name in their templates and never import the practices wing."""

from django import template

from sessions_app.outcomes.practices.models import Practice

register = template.Library()


@register.inclusion_tag("practices/includes/country_practices.html")
def country_practices(focal_point):
    """The focal point's country's practices, every status, newest first: one query."""
    practices = list(Practice.objects.filter(country=focal_point.country).order_by("-updated_at", "pk")[:50])
    return {"practices": practices, "focal_point": focal_point}


@register.inclusion_tag("practices/includes/session_practices.html")
def session_practices(session):
    """Published practices presented in ``session``: one query."""
    practices = list(
        Practice.objects.filter(session=session, status=Practice.Status.PUBLISHED)
        .select_related("agenda_item")
        .order_by("agenda_item__order", "pk")
    )
    return {"practices": practices}


@register.inclusion_tag("practices/includes/practice_figures.html")
def practice_figures():
    """The practices block of the staff's figures page (loaded by name from its template)."""
    from django.utils.translation import gettext as _

    from sessions_app.outcomes.practices.figures import chart, practice_counts

    counts = practice_counts()
    sections = []
    for key, name, caption in (
        ("by_country", "practices-country", _("Published practices by country")),
        ("by_stage", "practices-stage", _("Published practices by stage of the criminal process")),
        ("by_theme", "practices-theme", _("Published practices by theme")),
        ("by_status", "practices-status", _("Practices by status")),
    ):
        rows = counts[key]
        sections.append(
            {
                "name": name,
                "caption": caption,
                "rows": rows,
                "chart": chart(chart_id=f"chart-{name}", title=caption, description=caption, rows=rows) if rows else "",
            }
        )
    return {"sections": sections}
