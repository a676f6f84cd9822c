"""``{% privacy_notice_url %}``: the privacy notice's absolute address, for e-mails."""

from django import template
from django.utils import translation

from common.links import absolute_reverse

register = template.Library()


@register.simple_tag
def privacy_notice_url():
    """In the language the e-mail is being written in (``translation.override`` around rendering)."""
    return absolute_reverse("privacy:notice", language=translation.get_language())
