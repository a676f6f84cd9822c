from django import template

from common.timezones import format_utc_offset
from common.timezones import zone_label as _zone_label

register = template.Library()


@register.filter(expects_localtime=True)
def utc_offset(value):
    """``{{ moment|utc_offset }}`` → 'UTC+02:00' in the template's current zone (see ``{% timezone %}``)."""
    if not hasattr(value, "utcoffset") or value.utcoffset() is None:
        return ""
    return format_utc_offset(value)


@register.filter
def zone_label(name):
    """``{{ session.time_zone|zone_label }}`` → 'Madrid': the one display form of a zone."""
    return _zone_label(str(name or ""))
