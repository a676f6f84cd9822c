"""Public pages come from the cache, per language, and are never stale: every change that a page
shows (content, seats, status, the clock) gives the next visitor a fresh page, and nobody ever gets
a page rendered for someone else."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import pagecache
from registrations import registering, seats
from sessions_app.models import Session
from tests.factories import AgendaItemFactory, RegistrationFactory, SessionFactory, SpeakerFactory
from tests.sessions_app.pages import element, text, texts

pytestmark = pytest.mark.django_db


def page(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response, len(queries)


def test_the_second_visitor_gets_the_stored_page_without_a_query(client, session):
    first, first_queries = page(client, f"/en/sessions/{session.slug}/")
    second, second_queries = page(client, f"/en/sessions/{session.slug}/")

    assert second.content == first.content
    assert (first_queries > 0, second_queries) == (True, 0)
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("url", ["/en/", "/en/sessions/{slug}/", "/en/sessions/{slug}/calendar.ics"])
def test_every_public_page_is_served_from_the_cache(client, session, url):
    url = url.format(slug=session.slug)
    page(client, url)

    _response, queries = page(client, url)

    assert queries == 0


def test_a_content_change_shows_at_once(client, session):
    url = f"/en/sessions/{session.slug}/"
    page(client, url)

    session.title = "Alternatives to imprisonment"
    session.save()

    assert texts(page(client, url)[0].content.decode(), "h1") == ["Alternatives to imprisonment"]


def test_a_change_to_a_related_object_shows_at_once(client, session):
    item = AgendaItemFactory(session=session, title="Opening")
    url = f"/en/sessions/{session.slug}/"
    page(client, url)

    speaker = SpeakerFactory(name="Ana Pérez")
    item.roles.create(speaker=speaker, role="speaker")

    assert "Ana Pérez" in page(client, url)[0].content.decode()


def test_a_seat_taken_shows_the_session_full(client):
    session = SessionFactory(capacity=1)
    url = f"/es/sessions/{session.slug}/"
    assert "Esta sesión está completa." not in page(client, url)[0].content.decode()

    seats.confirm_registration(registration=RegistrationFactory(session=session, status="pending"))

    assert "Esta sesión está completa." in page(client, url)[0].content.decode()


def test_a_pending_registration_leaves_the_cached_page_alone(client, session):
    url = f"/en/sessions/{session.slug}/"
    page(client, url)

    registering.register_participant(
        session=session,
        data={"email": "ana@example.org", "full_name": "Ana", "country": "UY", "language": "es", "time_zone": "UTC"},
    )

    assert page(client, url)[1] == 0


def test_a_status_change_closes_registration_on_the_page(client, session):
    url = f"/es/sessions/{session.slug}/"
    assert 'class="mb-0 registration-state"' not in page(client, url)[0].content.decode()

    session.status = Session.Status.REGISTRATION_CLOSED
    session.save()

    body = page(client, url)[0].content.decode()
    assert text(element(body, "p", css_class="registration-state")) == "La inscripción para esta sesión está cerrada."
    assert "Inscribirme</a>" not in body


def test_registration_closing_by_the_clock_is_never_stale(client):
    closes_at = timezone.now() + timedelta(hours=1)
    session = SessionFactory(registration_closes_at=closes_at)
    url = f"/es/sessions/{session.slug}/"
    assert "Inscribirme</a>" in page(client, url)[0].content.decode()

    # The clock moves past the closing moment (the cache's clock too): the page stored before it is not served.
    with time_machine.travel(closes_at + timedelta(seconds=1)):
        body = page(client, url)[0].content.decode()
    assert text(element(body, "p", css_class="registration-state")) == "La inscripción para esta sesión está cerrada."


def test_each_language_has_its_own_page_and_its_own_invalidation(client):
    session = SessionFactory(title_en="Alternatives", title_es="Alternativas", title_pt="Alternativas PT")
    english, spanish = f"/en/sessions/{session.slug}/", f"/es/sessions/{session.slug}/"
    assert texts(page(client, english)[0].content.decode(), "h1") == ["Alternatives"]
    assert texts(page(client, spanish)[0].content.decode(), "h1") == ["Alternativas"]

    session.title_es = "Alternativas a la prisión"
    session.save()

    assert texts(page(client, spanish)[0].content.decode(), "h1") == ["Alternativas a la prisión"]
    assert texts(page(client, english)[0].content.decode(), "h1") == ["Alternatives"]


def test_the_public_calendar_follows_a_reschedule(client, session):
    url = f"/en/sessions/{session.slug}/calendar.ics"
    before = page(client, url)[0].content

    session.starts_at += timedelta(days=1)
    session.save()

    after = page(client, url)[0].content
    assert b"SEQUENCE:0" in before
    assert after != before


def test_a_cached_page_never_shows_another_visitors_data(client, focal_point_uruguay, django_user_model):
    """A signed-in focal point (session cookie) and an anonymous visitor, in both orders."""
    session = SessionFactory()
    url = f"/en/sessions/{session.slug}/"
    focal_point = type(client)()
    focal_point.force_login(focal_point_uruguay.user)

    anonymous_first = page(client, url)[0].content.decode()
    signed_in = page(focal_point, url)[0].content.decode()
    anonymous_again = page(client, url)[0].content.decode()

    assert ">My country</a>" in signed_in
    assert ">My country</a>" not in anonymous_first
    assert anonymous_again == anonymous_first
    # And the other way round: the signed-in page is never stored for the next visitor.
    session.save()
    page(focal_point, url)
    assert ">My country</a>" not in page(client, url)[0].content.decode()
    assert "csrfmiddlewaretoken" not in anonymous_first


def test_staff_preview_of_a_draft_is_never_stored(client, staff):
    session = SessionFactory(status=Session.Status.DRAFT)
    url = f"/en/sessions/{session.slug}/"
    preview = type(client)()
    preview.force_login(staff)

    shown = preview.get(url)
    public = client.get(url)

    assert shown.status_code == 200
    assert shown.context["session"].pk == session.pk
    # The preview was not stored for anyone: the public still gets the 404.
    assert public.status_code == 404
    assert session.title not in public.content.decode()


def test_a_browser_that_has_the_page_is_told_it_is_unchanged_until_it_changes(client, session):
    url = f"/en/sessions/{session.slug}/"
    first = page(client, url)[0]

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert (again.status_code, again.content) == (304, b"")
    assert since.status_code == 304
    session.title = "Changed"
    session.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_query_string_is_rendered_and_not_stored(client, session):
    url = f"/en/sessions/{session.slug}/"

    page(client, url + "?utm_source=newsletter")

    assert page(client, url)[1] > 0


# ── Fragments: what a signed-in visitor's page and the register page keep ─────────────────────


def test_a_visitor_with_a_session_cookie_gets_the_same_content_from_its_fragment(client, session):
    AgendaItemFactory(session=session, title="Opening")
    url = f"/en/sessions/{session.slug}/"
    anonymous, _queries = page(client, url)
    client.cookies["sessionid"] = "a-visitor-with-a-session"

    rendered, rendered_queries = page(client, url)
    from_fragment, fragment_queries = page(client, url)

    assert from_fragment.content == rendered.content == anonymous.content
    assert fragment_queries < rendered_queries  # the agenda is not read again


def test_a_content_change_reaches_a_visitor_with_a_session_cookie_at_once(client, session):
    client.cookies["sessionid"] = "a-visitor-with-a-session"
    url = f"/en/sessions/{session.slug}/"
    page(client, url)

    AgendaItemFactory(session=session, title="Alternatives to imprisonment")

    assert "Alternatives to imprisonment" in page(client, url)[0].content.decode()


def test_the_register_form_from_its_fragment_is_the_form_rendered_afresh(client, session):
    url = f"/es/registrations/sessions/{session.slug}/register/"

    def without_token(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    first, first_queries = page(client, url)
    second, second_queries = page(client, url)

    assert without_token(second) == without_token(first)
    assert second_queries < first_queries  # the institutions are not read again
    assert 'name="csrfmiddlewaretoken"' in second.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_view_that_reads_its_generations_once_still_sees_its_own_bump():
    """``reads_generations``: what a request read as it started serves its ProcessMemos, except a
    generation the request bumped itself, which is read again (no stale copy of its own write)."""
    memo = pagecache.ProcessMemo("test-kept-value")
    computed = []

    def compute():
        computed.append(len(computed) + 1)
        return computed[-1]

    @pagecache.reads_generations("test-kept-value")
    def view(request):
        before = memo.get(compute)
        kept = memo.get(compute)
        memo.invalidate()  # what a write in the request does
        return before, kept, memo.get(compute)

    assert view(None) == (1, 1, 2)
    assert view(None) == (2, 2, 3)
