"""``Session.is_past``: the one rule for "the session is over", which the pages and write paths call."""

from datetime import timedelta

import pytest
import time_machine

from registrations.rules import OPEN, PAST, registration_state
from sessions_app.selectors import groups_with_sessions
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_a_session_is_past_from_the_minute_it_ends():
    session = SessionFactory()
    ends_at = session.starts_at + timedelta(minutes=session.duration_minutes)

    assert (session.is_past(ends_at - timedelta(seconds=1)), session.is_past(ends_at)) == (False, True)
    with time_machine.travel(ends_at - timedelta(seconds=1), tick=False):
        assert session.is_past() is False
    with time_machine.travel(ends_at, tick=False):
        assert session.is_past() is True


def test_registration_and_the_public_list_turn_to_past_at_the_same_moment():
    session = SessionFactory()
    ends_at = session.starts_at + timedelta(minutes=session.duration_minutes)

    with time_machine.travel(ends_at - timedelta(seconds=1), tick=False):
        assert registration_state(session) == OPEN
        [group] = groups_with_sessions()
        assert ([s.pk for s in group.upcoming], [s.pk for s in group.past]) == ([session.pk], [])
    with time_machine.travel(ends_at, tick=False):
        assert registration_state(session) == PAST
        [group] = groups_with_sessions()
        assert ([s.pk for s in group.upcoming], [s.pk for s in group.past]) == ([], [session.pk])
