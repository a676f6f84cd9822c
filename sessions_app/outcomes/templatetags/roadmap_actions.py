"""Roadmap parts that lower layers' templates show without importing this wing: the focal point's
dashboard (``country_roadmap``) and an upcoming session's page (``session_follow_ups``)."""

from django import template

from sessions_app.models import RoadmapReminderOptOut

from ..roadmap import tracker

register = template.Library()


@register.inclusion_tag("sessions_app/includes/country_roadmap.html")
def country_roadmap(focal_point):
    """The actions of the focal point's country, each with its "report progress" link."""
    return {
        "items": tracker.country_actions(focal_point.country),
        "can_update": True,
        "opted_out": RoadmapReminderOptOut.objects.filter(user_id=focal_point.user_id).exists(),
    }


@register.inclusion_tag("sessions_app/includes/session_roadmap.html")
def session_follow_ups(session):
    """The actions an upcoming session follows up."""
    return {
        "items": tracker.session_actions(session, agreed=False),
        "group": session.group,
        "heading_id": "follow-ups",
        "agreed": False,
    }
