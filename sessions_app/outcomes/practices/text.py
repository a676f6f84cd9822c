"""A practice's text: sanitised rich text, and which language is shown when a translation is missing."""

import re

import nh3
from django.conf import settings
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
_MARKUP = re.compile(r"</?\s*(p|br|ul|ol|li|h3|h4|blockquote|strong|b|em|i|a)\b", re.IGNORECASE)
TEXT_FIELDS = ("title", "summary", "description", "results")
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

WRITTEN_IN = {
    "en": _("This practice is written in English; it has not been translated yet."),
    "es": _("This practice is written in Spanish; it has not been translated yet."),
    "pt": _("This practice is written in Portuguese; it has not been translated yet."),
}


def rich_text(text):
    """Sanitised HTML: simple formatting and http(s) links kept, anything else removed; typed
    paragraphs (no markup) become paragraphs, escaped."""
    if not text:
        return ""
    if not _MARKUP.search(text):
        text = linebreaks(text, autoescape=True)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def languages_with_text(practice):
    return [code for code in LANGUAGE_CODES if getattr(practice, f"title_{code}", "")]


def shown_language(practice, language):
    """The language the practice's text is shown in for a reader of ``language``."""
    if getattr(practice, f"title_{language}", ""):
        return language
    if getattr(practice, f"title_{practice.original_language}", ""):
        return practice.original_language
    available = languages_with_text(practice)
    return available[0] if available else language


def text_in(practice, language):
    """{field: text} in the shown language, falling back field by field to the original's."""
    shown = shown_language(practice, language)
    values = {}
    for name in TEXT_FIELDS:
        value = getattr(practice, f"{name}_{shown}", "") or getattr(
            practice, f"{name}_{practice.original_language}", ""
        )
        values[name] = value
    return shown, values
