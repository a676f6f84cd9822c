from django import template

from sessions_app.timezones import format_utc_offset

register = template.Library()


@register.filter(expects_localtime=True)
def utc_offset(value):
    """``{{ moment|utc_offset }}`` → 'UTC+02:00' in the template's current zone (see ``{% timezone %}``)."""
    if not hasattr(value, "utcoffset") or value.utcoffset() is None:
        return ""
    return format_utc_offset(value)
