"""A table's last row never stands alone on a page of the conclusions PDF: a row such as "Cierre"
that would start the next page by itself takes the row before it along (issue 23, item 12)."""

import pypdfium2
import pytest

from agenda.models import AgendaItem
from sessions_app.models import Document
from sessions_app.outcomes import pdf
from tests.factories import AgendaItemFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = [pytest.mark.django_db, pytest.mark.pdf]


def page_texts(data):
    document = pypdfium2.PdfDocument(data)
    try:
        return [" ".join(page.get_textpage().get_text_bounded().split()) for page in document]
    finally:
        document.close()


def conclusions_pages(session):
    html = pdf.document_html(kind=Document.Kind.CONCLUSIONS, session=session, language="es", registration=None)
    return page_texts(pdf.html_to_pdf(html))


CLOSING = "Cierre y próximos pasos"


def title(number):
    return f"Intervención número {number:02d}"


def page_of(pages, text):
    return [index for index, page in enumerate(pages) if text in page]


def test_the_last_row_of_the_agenda_shares_its_page_with_the_row_before():
    session, _attendee, _registrant = build_held_session()
    session.agenda_items.all().delete()
    # Rows of one height, enough to run the agenda over a page: where the page breaks is then measured.
    items = [
        AgendaItemFactory(
            session=session,
            order=number,
            kind=AgendaItem.Kind.PRESENTATION,
            duration_minutes=1,
            title_en=title(number),
            title_es=title(number),
        )
        for number in range(1, 61)
    ]
    pages = conclusions_pages(session)
    first_page = page_of(pages, title(1))[0]
    # The first row that a page break sent to the next page.
    breaks_before = next(number for number in range(2, 61) if page_of(pages, title(number))[0] > first_page)

    # Cut the agenda there and make that row its closing: without the rule it would stand alone at the top of a page.
    AgendaItem.objects.filter(pk__in=[item.pk for item in items[breaks_before:]]).delete()
    closing = items[breaks_before - 1]
    closing.kind, closing.title_en, closing.title_es = AgendaItem.Kind.CLOSING, CLOSING, CLOSING
    closing.save()
    pages = conclusions_pages(session)

    assert len(page_of(pages, CLOSING)) == 1
    assert page_of(pages, title(breaks_before - 1)) == page_of(pages, CLOSING)
