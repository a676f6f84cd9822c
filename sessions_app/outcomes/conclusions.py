"""Conclusions of a session: sanitising what staff type, and choosing the text to show per language.

Publishing and announcing them is in ``publishing.py``.
"""

import nh3
from django.conf import settings
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy

from ..models import Conclusions

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}}


def sanitize_rich_text(html):
    """Keep simple formatting and web/mail links; drop images, styles, scripts and other URLs.

    Nothing left can make a browser or the PDF renderer fetch anything: no ``img``, no ``link``,
    no ``style``, no ``rel`` (so no ``rel="attachment"``), and only http(s)/mailto hrefs.
    """
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def write_conclusions(*, session, bodies, is_public=None):
    """Create or update the conclusions of ``session`` with ``bodies`` ({language: html}), sanitised."""
    with transaction.atomic():
        conclusions, _created = Conclusions.objects.select_for_update().get_or_create(session=session)
        for language, body in bodies.items():
            if language not in settings.MODELTRANSLATION_LANGUAGES:
                raise ValueError(f"Unknown language {language!r}")
            setattr(conclusions, f"body_{language}", sanitize_rich_text(body))
        if is_public is not None:
            conclusions.is_public = is_public
        conclusions.save()
    return conclusions


# One whole sentence per language, so each translation can word it (and case the language) its own way.
ONLY_AVAILABLE_IN = {
    "en": gettext_lazy("These conclusions are available in English only."),
    "es": gettext_lazy("These conclusions are available in Spanish only."),
    "pt": gettext_lazy("These conclusions are available in Portuguese only."),
}


def conclusions_in(conclusions, *, language):
    """(sanitised html, language it is written in) of the conclusions to show in ``language``.

    The document's own language when staff wrote it there, otherwise the first language of
    ``MODELTRANSLATION_FALLBACK_LANGUAGES`` that has text (as the model's fallback would), so a
    caller can say which language the reader gets. ("", None) when there are no conclusions.
    """
    if conclusions is None:
        return "", None
    fallbacks = settings.MODELTRANSLATION_FALLBACK_LANGUAGES
    for code in (language, *(code for code in fallbacks if code != language)):
        html = sanitize_rich_text(getattr(conclusions, f"body_{code}", ""))
        # An editor leaves "<p><br></p>" in a field it was never written in.
        if strip_tags(html).strip():
            return html, code
    return "", None
