from django import template
from django.utils.safestring import mark_safe

from sessions_app import link_preview

register = template.Library()


@register.inclusion_tag("sessions_app/includes/link_preview.html")
def session_link_preview(session):
    """The session page's head: JSON-LD, Open Graph and Twitter card tags."""
    tags = link_preview.open_graph(session)
    # event_json_ld escapes <, > and & itself: the JSON cannot end the script element.
    return {**tags, "json_ld": mark_safe(link_preview.event_json_ld(session))}  # noqa: S308
