from django import template

from sessions_app.calendar import web_calendar_links

register = template.Library()


@register.inclusion_tag("sessions_app/includes/calendar_links.html")
def web_calendars(session, ics_url):
    """The .ics download and the web calendars' "add" links, side by side."""
    return {"links": web_calendar_links(session), "ics_url": ics_url}


@register.inclusion_tag("sessions_app/includes/web_calendar_list.html")
def web_calendar_list(session):
    """The web calendars' links alone, where the page has its own .ics button (the private page)."""
    return {"links": web_calendar_links(session)}
