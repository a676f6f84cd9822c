"""What each process keeps between requests (``pagecache.ProcessMemo``): the public session, the
current privacy notice, the institutions of the register form and the seats left it shows. Read
once, then again as soon as they change in any process, never a moment later; not kept while the
cache is away, nor from inside a transaction that may roll back.

These tests commit, as production does: inside the test's own transaction nothing would be kept.
"""

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registrations import consent, seats
from registrations.forms import institution_options
from registrations.models import Institution, Registration
from registrations.privacy import notice as notices
from sessions_app.models import Session
from sessions_app.selectors import session_by_slug
from tests.factories import InstitutionFactory, SessionFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db(transaction=True)


def register_url(session):
    return f"/en/registrations/sessions/{session.slug}/register/"


def selects(client, url):
    """The page, and the tables its request read."""
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return page.content.decode(), [query["sql"].split(" FROM ")[1].split(" ")[0] for query in queries]


def test_a_second_request_reads_nothing_the_first_one_kept(client):
    session = SessionFactory()
    InstitutionFactory(name="Junta Nacional de Drogas", country="UY")

    _first, read_first = selects(client, register_url(session))
    page, read_again = selects(client, register_url(session))

    assert read_first == [
        '"sessions_app_session"',
        '"registrations_privacynotice"',
        '"registrations_registration"',  # the seats left
        '"registrations_institution"',  # when the form's fragment is rendered
    ]
    assert read_again == []
    assert "Junta Nacional de Drogas" in page


def test_an_institution_added_renamed_or_deleted_shows_at_once(client):
    session = SessionFactory()
    selects(client, register_url(session))

    added = InstitutionFactory(name="Junta Nacional de Drogas", country="UY")
    with_added, _read = selects(client, register_url(session))
    added.name = "Secretaría Nacional de Drogas"
    added.save()
    renamed, _read = selects(client, register_url(session))
    Institution.objects.filter(pk=added.pk).delete()
    deleted, _read = selects(client, register_url(session))

    assert f'<option value="{added.pk}" data-country="UY">Junta Nacional de Drogas</option>' in with_added
    assert f'<option value="{added.pk}" data-country="UY">Secretaría Nacional de Drogas</option>' in renamed
    assert "Junta Nacional" not in renamed
    assert f'<option value="{added.pk}"' not in deleted  # (the notice's hidden version may be the same number)


def test_a_new_notice_version_is_shown_and_consented_to_at_once(client, staff):
    session = SessionFactory()
    before, _read = selects(client, register_url(session))

    draft = notices.new_draft_from(consent.current_notice())
    draft.save()
    notices.publish_notice(notice=draft, user=staff)
    after, _read = selects(client, register_url(session))
    client.post(register_url(session), form_data("ana@example.org", notice_version="2"))

    assert 'name="notice_version" value="1"' in before
    assert 'name="notice_version" value="2"' in after
    assert Registration.objects.get().consent_text_version == "2"


def test_the_seats_left_are_counted_again_as_soon_as_a_seat_is_taken_or_freed(client):
    session = SessionFactory(capacity=3)
    ana = Registration.objects.create(session=session, email="ana@example.org", full_name="Ana", country="UY")
    before, _read = selects(client, register_url(session))

    seats.confirm_registration(registration=ana, by_staff=True)
    taken, read_after_taking = selects(client, register_url(session))
    seats.cancel_registration(registration=ana, by_staff=True)
    freed, _read = selects(client, register_url(session))

    assert '<p class="seats-left fw-semibold" id="seats-left">3 seats left.</p>' in before
    assert '<p class="seats-left fw-semibold" id="seats-left">2 seats left.</p>' in taken
    assert read_after_taking == ['"registrations_registration"']
    assert '<p class="seats-left fw-semibold" id="seats-left">3 seats left.</p>' in freed


def test_a_session_closed_by_staff_is_closed_at_once(client):
    session = SessionFactory()
    selects(client, register_url(session))

    session.status = Session.Status.REGISTRATION_CLOSED
    session.save()
    page, _read = selects(client, register_url(session))
    refused = client.post(register_url(session), form_data("ana@example.org"))

    assert 'data-state="closed"' in page
    assert refused.status_code == 200
    assert not Registration.objects.exists()


def test_a_kept_session_is_a_copy_a_caller_may_change():
    session = SessionFactory(title="Mecanismos inclusivos")
    first = session_by_slug(session.slug)
    first.title = "changed by a view"

    assert session_by_slug(session.slug).title == "Mecanismos inclusivos"
    with pytest.raises(Http404):
        session_by_slug("no-such-session")


def test_a_value_read_inside_a_transaction_that_rolls_back_is_not_kept():
    institution_options("en")  # kept, without the institution below

    with pytest.raises(RuntimeError), transaction.atomic():
        InstitutionFactory(name="Never committed", country="UY")
        institutions, _choices = institution_options("en")
        assert [str(institution) for institution in institutions.values()] == ["Never committed"]
        raise RuntimeError

    assert institution_options("en")[0] == {}


def test_while_the_cache_is_away_every_request_reads_the_database(client, dead_redis_cache):
    session = SessionFactory()
    selects(client, register_url(session))
    _page, read_again = selects(client, register_url(session))
    registered = client.post(register_url(session), form_data("ana@example.org"))

    assert read_again == [
        '"sessions_app_session"',
        '"registrations_privacynotice"',
        '"registrations_registration"',
        '"registrations_institution"',
    ]
    assert registered.status_code == 302
    assert Registration.objects.get().consent_given_at <= timezone.now()
