"""Conclusions of a session: sanitising what staff type, and choosing the text to show per language.

Publishing and announcing them is in ``publishing.py``.
"""

import html as html_lib
import re

import nh3
from django.conf import settings
from django.db import transaction
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext_lazy

from sessions_app.languages import fallback_order
from sessions_app.models import Conclusions

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Text that already carries block markup (an editor's, or pasted HTML) is kept as it is.
_BLOCK_MARKUP = re.compile(
    r"</?\s*(p|br|ul|ol|li|h[2-4]|blockquote|table|div|strong|b|em|i|u|s|a|sub|sup)\b", re.IGNORECASE
)
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•·]\s+(.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")


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


def _inline(line):
    """Escape a line of typed text, then turn **this** into strong and *this* or _this_ into emphasis."""
    html = escape(line.strip())
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    return _EMPHASIS.sub(r"<em>\1</em>", html)


def plain_text_to_html(text):
    """Paragraphs (blank lines), numbered lists ("1. …"), bulleted lists ("- …") and emphasis from typed text.

    Staff type conclusions in a plain text box: without this, the PDF ran them into one paragraph.
    Line breaks inside a paragraph are kept. The result is escaped first and sanitised by the caller.
    """
    blocks, paragraph, items, list_tag, start = [], [], [], None, 1

    def flush_paragraph():
        if paragraph:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list():
        nonlocal list_tag
        if items:
            opening = f'<ol start="{start}">' if list_tag == "ol" and start != 1 else f"<{list_tag}>"
            blocks.append(opening + "".join(f"<li>{_inline(item)}</li>" for item in items) + f"</{list_tag}>")
            items.clear()
        list_tag = None

    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if not line.strip():
            flush_paragraph()
            flush_list()
        elif numbered or bullet:
            flush_paragraph()
            tag = "ol" if numbered else "ul"
            if list_tag != tag:
                flush_list()
                list_tag = tag
                start = int(numbered.group(1)) if numbered else 1
            items.append(numbered.group(2) if numbered else bullet.group(1))
        elif items:
            items[-1] = f"{items[-1]} {line.strip()}"  # a wrapped list item continues on the next line
        else:
            paragraph.append(line)
    flush_paragraph()
    flush_list()
    return "\n".join(blocks)


def rich_text_html(text):
    """The sanitised HTML of what staff typed: markup kept if they wrote some, else built from plain text."""
    if not text or _BLOCK_MARKUP.search(text):
        return sanitize_rich_text(text)
    # Stored text was sanitised on save, which turned "&" into "&amp;": read it back as typed first.
    return sanitize_rich_text(plain_text_to_html(html_lib.unescape(text)))


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

    The document's own language when staff wrote it there, otherwise the next language of the
    one fallback order (``sessions_app.languages``, e.g. pt → es → en) that has text, so a
    caller can say which language the reader gets. ("", None) when there are no conclusions.
    """
    if conclusions is None:
        return "", None
    for code in fallback_order(language):
        html = rich_text_html(getattr(conclusions, f"body_{code}", ""))
        # An editor leaves "<p><br></p>" in a field it was never written in.
        if strip_tags(html).strip():
            return html, code
    return "", None
