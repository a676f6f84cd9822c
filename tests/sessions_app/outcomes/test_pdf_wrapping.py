"""A long unbroken string (a link, typically) wraps inside the PDF page instead of running off it."""

import pytest

from sessions_app.models import Document
from sessions_app.outcomes import pdf
from sessions_app.outcomes.conclusions import write_conclusions
from tests.sessions_app.after_session_data import build_held_session

pytestmark = pytest.mark.pdf

LONG_URL = "https://example.org/download?token=" + "Ab3Cd4Ef5" * 25  # within the 300 characters of a roadmap title


def _text_boxes(box):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", []):
        yield from _text_boxes(child)


@pytest.mark.django_db
def test_a_long_unbroken_link_in_the_conclusions_wraps_inside_the_page():
    import weasyprint

    session, _attendee, _registrant = build_held_session()
    write_conclusions(session=session, bodies={"en": f"<p>Report: {LONG_URL}</p>"})
    html = pdf.document_html(kind=Document.Kind.CONCLUSIONS, session=session, language="en")

    rendered = weasyprint.HTML(string=html, base_url=pdf.PDF_BASE_URL, url_fetcher=pdf.url_fetcher_class()()).render()

    overflowing = [
        box.text
        for page in rendered.pages
        for box in _text_boxes(page._page_box)
        if box.position_x + box.width > page.width + 0.5
    ]
    assert overflowing == []


@pytest.mark.django_db
def test_a_long_unbroken_roadmap_title_wraps_inside_its_table_cell():
    import weasyprint

    from sessions_app.models import RoadmapItem

    session, _attendee, _registrant = build_held_session()
    RoadmapItem.objects.create(group=session.group, title=LONG_URL, period="Q3 2027")
    html = pdf.document_html(kind=Document.Kind.ROADMAP, session=session, language="en")

    rendered = weasyprint.HTML(string=html, base_url=pdf.PDF_BASE_URL, url_fetcher=pdf.url_fetcher_class()()).render()

    overflowing = [
        box.text
        for page in rendered.pages
        for box in _text_boxes(page._page_box)
        if box.position_x + box.width > page.width + 0.5
    ]
    assert overflowing == []
    texts = {box.text for page in rendered.pages for box in _text_boxes(page._page_box)}
    assert {"Action", "Owner", "Due", "Sessions"} <= texts  # short words stay whole
