import zoneinfo
from datetime import datetime

import pytest

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from tests.factories import AgendaItemFactory, SessionFactory

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
pytestmark = pytest.mark.django_db


def hm(moment):
    return moment.astimezone(MADRID).strftime("%H:%M")


def concept_note_session():
    """Session 2 of the concept note: 10 May 2023 15:30 Madrid, announced as 90 minutes."""
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    item = lambda order, title, minutes, parent=None, kind=AgendaItem.Kind.PRESENTATION: AgendaItemFactory(  # noqa: E731 - a one-line builder reads best beside its uses
        session=session, order=order, title=title, duration_minutes=minutes, parent=parent, kind=kind
    )
    item(1, "Opening", 5, kind=AgendaItem.Kind.OPENING)
    item(2, "Main presentation", 15, kind=AgendaItem.Kind.MAIN_PRESENTATION)
    item(3, "Round table", 10, kind=AgendaItem.Kind.ROUND_TABLE)
    block = item(4, "Experiences", 60, kind=AgendaItem.Kind.EXPERIENCES)
    item(5, "Portugal", 10, parent=block)
    item(6, "Uruguay", 10, parent=block)
    item(7, "Mexico", 10, parent=block)
    item(8, "Open debate", 30, parent=block, kind=AgendaItem.Kind.OPEN_DEBATE)
    item(9, "Closing", 5, kind=AgendaItem.Kind.CLOSING)
    return session


def schedule_of(session):
    return compute_schedule(session, list(AgendaItem.objects.filter(session=session)))


def test_concept_note_agenda_nests_children_and_ends_at_17_05_with_a_warning():
    schedule = schedule_of(concept_note_session())

    top = [(slot.item.title, hm(slot.start), hm(slot.end), slot.depth) for slot in schedule.slots]
    assert top == [
        ("Opening", "15:30", "15:35", 0),
        ("Main presentation", "15:35", "15:50", 0),
        ("Round table", "15:50", "16:00", 0),
        ("Experiences", "16:00", "17:00", 0),
        ("Closing", "17:00", "17:05", 0),
    ]
    children = [(slot.item.title, hm(slot.start), hm(slot.end), slot.depth) for slot in schedule.slots[3].children]
    assert children == [
        ("Portugal", "16:00", "16:10", 1),
        ("Uruguay", "16:10", "16:20", 1),
        ("Mexico", "16:20", "16:30", 1),
        ("Open debate", "16:30", "17:00", 1),
    ]
    assert [slot.item.title for slot in schedule.flat()] == [
        "Opening",
        "Main presentation",
        "Round table",
        "Experiences",
        "Portugal",
        "Uruguay",
        "Mexico",
        "Open debate",
        "Closing",
    ]
    assert hm(schedule.end) == "17:05"
    assert schedule.warnings == [
        "The agenda ends at 17:05, 5 min after the announced end of the session at 17:00 (Europe/Madrid)."
    ]


def test_agenda_that_fits_has_no_warning():
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    AgendaItemFactory(session=session, order=1, duration_minutes=60)
    AgendaItemFactory(session=session, order=2, duration_minutes=30)

    schedule = schedule_of(session)

    assert [(hm(slot.start), hm(slot.end)) for slot in schedule.slots] == [("15:30", "16:30"), ("16:30", "17:00")]
    assert schedule.warnings == []


def test_children_longer_than_their_parent_are_a_warning():
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=120)
    block = AgendaItemFactory(session=session, order=1, title="Panel", duration_minutes=20)
    AgendaItemFactory(session=session, order=2, parent=block, duration_minutes=15)
    AgendaItemFactory(session=session, order=3, parent=block, duration_minutes=15)
    AgendaItemFactory(session=session, order=4, title="Debate", duration_minutes=10)

    schedule = schedule_of(session)

    assert schedule.warnings == ["The items inside “Panel” last 10 min longer than the 20 min it has."]
    # The parent keeps its own duration: the next item starts when the parent ends.
    assert [(slot.item.title, hm(slot.start)) for slot in schedule.slots] == [("Panel", "15:30"), ("Debate", "15:50")]


def test_fixed_start_offset_that_overlaps_the_previous_item_is_a_warning():
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    AgendaItemFactory(session=session, order=1, title="Keynote", duration_minutes=30)
    AgendaItemFactory(session=session, order=2, title="Panel", duration_minutes=20, start_offset_minutes=20)

    schedule = schedule_of(session)

    assert [(slot.item.title, hm(slot.start), hm(slot.end)) for slot in schedule.slots] == [
        ("Keynote", "15:30", "16:00"),
        ("Panel", "15:50", "16:10"),
    ]
    assert schedule.warnings == ["“Panel” starts at 15:50, before “Keynote” ends at 16:00: they overlap."]


def test_fixed_start_offset_after_a_gap_is_not_a_warning():
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    AgendaItemFactory(session=session, order=1, title="Keynote", duration_minutes=20)
    AgendaItemFactory(session=session, order=2, title="After the break", duration_minutes=20, start_offset_minutes=30)

    schedule = schedule_of(session)

    assert [hm(slot.start) for slot in schedule.slots] == ["15:30", "16:00"]
    assert schedule.warnings == []


def test_items_are_laid_out_by_order_whatever_order_they_come_in():
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    second = AgendaItemFactory(session=session, order=2, title="Second", duration_minutes=10)
    first = AgendaItemFactory(session=session, order=1, title="First", duration_minutes=5)

    schedule = compute_schedule(session, [second, first])

    assert [(slot.item.title, hm(slot.start)) for slot in schedule.slots] == [("First", "15:30"), ("Second", "15:35")]
