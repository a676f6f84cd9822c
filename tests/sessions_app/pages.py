"""Small readers of rendered HTML, so tests compare what a reader sees with ==."""

import html as html_lib
import re


def text(fragment):
    """The visible text of an HTML fragment, whitespace collapsed."""
    # Block elements separate words; inline ones (a, span, strong, time) do not.
    spaced = re.sub(r"</?(?:p|li|ul|ol|div|h\d|td|th|tr|dd|dt|dl|section|br|caption)\b[^>]*>", " ", fragment)
    without_tags = re.sub(r"<[^>]+>", "", spaced)
    return " ".join(html_lib.unescape(without_tags).split())


def element(page, tag, *, id=None, css_class=None):  # mirrors the HTML attribute
    """The inner HTML of the first ``tag`` with that id or class (elements must not nest)."""
    if id is not None:
        pattern = rf'<{tag}[^>]*\bid="{re.escape(id)}"[^>]*>(.*?)</{tag}>'
    else:
        pattern = rf'<{tag}[^>]*\bclass="[^"]*\b{re.escape(css_class)}\b[^"]*"[^>]*>(.*?)</{tag}>'
    match = re.search(pattern, page, re.S)
    assert match, f"no <{tag}> with {id or css_class}"
    return match.group(1)


def texts(page, tag):
    """The text of every ``tag`` element in ``page`` (elements must not nest)."""
    return [text(inner) for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S)]


def status_and_headings(response):
    """What a person is answered: the status and the page's h1 headings, to compare in one ``==``."""
    return response.status_code, texts(response.content.decode(), "h1")
