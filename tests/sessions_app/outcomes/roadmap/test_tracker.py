"""The public roadmap: statuses with overdue computed in the agreeing session's zone, grouping,
filters, counts, the PDF from the same data, and a page whose queries do not grow with the actions."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sessions_app.models import Document, RoadmapItem
from sessions_app.outcomes import pdf
from sessions_app.outcomes.roadmap import tracker
from tests.factories import (
    InstitutionFactory,
    RoadmapItemFactory,
    RoadmapUpdateFactory,
    SessionFactory,
    WorkingGroupFactory,
)
from tests.sessions_app.pages import status_and_headings

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def session_2():
    return SessionFactory(
        number=2,
        slug="session-2",
        time_zone="Europe/Madrid",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID),
        status="held",
    )


def test_an_action_is_overdue_from_midnight_after_its_due_date_in_the_agreeing_sessions_zone(session_2):
    item = RoadmapItemFactory(group=session_2.group, agreed_session=session_2, due_date=date(2023, 9, 30))

    # 23:59:59 on the due date in Madrid is 21:59:59 UTC: still due today there.
    last_second = datetime(2023, 9, 30, 23, 59, 59, tzinfo=MADRID)
    midnight = datetime(2023, 10, 1, 0, 0, 0, tzinfo=MADRID)
    assert tracker.shown_status(item, now=last_second) == "planned"
    assert tracker.shown_status(item, now=midnight) == "overdue"
    # In UTC it is still 30 September at Madrid's midnight (22:00 UTC): the zone, not UTC, decides.
    assert midnight.astimezone(ZoneInfo("UTC")).date() == date(2023, 9, 30)


def test_a_done_action_is_never_overdue(session_2):
    item = RoadmapItemFactory(
        group=session_2.group, agreed_session=session_2, due_date=date(2023, 9, 30), status=RoadmapItem.Status.DONE
    )
    assert tracker.shown_status(item, now=datetime(2024, 1, 1, tzinfo=MADRID)) == "done"


def test_the_roadmap_groups_actions_by_status_and_counts_them(session_2):
    group = session_2.group
    RoadmapItemFactory(group=group, title="Late", agreed_session=session_2, due_date=date(2023, 6, 1))
    RoadmapItemFactory(group=group, title="Going", status="in_progress")
    RoadmapItemFactory(group=group, title="Later", due_date=date(2030, 1, 1))
    RoadmapItemFactory(group=group, title="Finished", status="done", due_date=date(2023, 6, 1))

    with time_machine.travel(datetime(2023, 7, 1, 12, tzinfo=MADRID), tick=False):
        roadmap = tracker.group_roadmap(group)

    assert [(g.status, [item.title for item in g.items]) for g in roadmap.groups] == [
        ("overdue", ["Late"]),
        ("in_progress", ["Going"]),
        ("planned", ["Later"]),
        ("done", ["Finished"]),
    ]
    assert [(status, count) for status, _label, count in roadmap.counts] == [
        ("overdue", 1),
        ("in_progress", 1),
        ("planned", 1),
        ("done", 1),
    ]


def test_the_roadmap_filters_by_country_including_institutions_of_that_country_and_by_status():
    group = WorkingGroupFactory()
    uruguay_institution = InstitutionFactory(country="UY", name="Instituto Nacional de Rehabilitación")
    RoadmapItemFactory(group=group, title="Uruguay's own", owner_kind="country", owner_country="UY")
    RoadmapItemFactory(
        group=group,
        title="Uruguay's institution's",
        owner_kind="institution",
        owner_institution=uruguay_institution,
        status="in_progress",
    )
    RoadmapItemFactory(group=group, title="Mexico's", owner_kind="country", owner_country="MX")
    RoadmapItemFactory(group=group, title="Programme's")

    roadmap = tracker.group_roadmap(group, country="uy")
    assert sorted(item.title for item in roadmap.items) == ["Uruguay's institution's", "Uruguay's own"]
    assert roadmap.total == 2
    assert [code for code, _name in roadmap.countries] == ["MX", "UY"]

    in_progress = tracker.group_roadmap(group, country="UY", status="in_progress")
    assert [item.title for item in in_progress.items] == ["Uruguay's institution's"]
    # Unknown filter values show everything rather than an error.
    assert tracker.group_roadmap(group, country="ZZ", status="nonsense").total == 4


def test_actions_agreed_in_a_draft_session_stay_off_the_public_roadmap():
    draft = SessionFactory(status="draft")
    RoadmapItemFactory(group=draft.group, title="Secret", agreed_session=draft)
    RoadmapItemFactory(group=draft.group, title="Public")
    assert [item.title for item in tracker.group_roadmap(draft.group).items] == ["Public"]


def test_the_public_page_shows_owner_due_date_sessions_and_latest_note(client, session_2):
    session_3 = SessionFactory(group=session_2.group, number=3, slug="session-3")
    item = RoadmapItemFactory(
        group=session_2.group,
        title="Share the Crisálidas evaluation",
        owner_kind="country",
        owner_country="UY",
        due_date=date(2030, 3, 31),
        agreed_session=session_2,
        follow_up_session=session_3,
        status="in_progress",
    )
    RoadmapUpdateFactory(item=item, note="Primer borrador <b>listo</b>.", language="es", note_date=date(2026, 11, 2))

    response = client.get(reverse("outcomes:roadmap", kwargs={"slug": session_2.group.slug}))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="action-{item.pk}"' in page
    assert "Uruguay" in page
    assert '<time datetime="2030-03-31">' in page
    assert f'<a href="{session_2.get_absolute_url()}">Session 2</a>' in page
    assert f'<a href="{session_3.get_absolute_url()}">Session 3</a>' in page
    assert 'lang="es">Primer borrador &lt;b&gt;listo&lt;/b&gt;.</p>' in page


def test_the_country_filter_works_without_javascript(client):
    group = WorkingGroupFactory()
    RoadmapItemFactory(group=group, title="Uruguay's", owner_kind="country", owner_country="UY")
    RoadmapItemFactory(group=group, title="Mexico's", owner_kind="country", owner_country="MX")

    response = client.get(reverse("outcomes:roadmap", kwargs={"slug": group.slug}), {"country": "MX"})

    assert response.context["roadmap"].country == "MX"
    assert [item.title for item in response.context["roadmap"].items] == ["Mexico's"]
    assert '<option value="MX" selected>' in response.content.decode()


@pytest.mark.parametrize("actions", [1, 12])
def test_the_roadmap_page_costs_the_same_queries_for_one_or_many_actions(client, django_assert_num_queries, actions):
    group = WorkingGroupFactory()
    sessions = [SessionFactory(group=group, number=n + 10, slug=f"s-{n}") for n in range(2)]
    institution = InstitutionFactory(country="UY")
    for _ in range(actions):
        item = RoadmapItemFactory(
            group=group,
            owner_kind="institution",
            owner_institution=institution,
            agreed_session=sessions[0],
            follow_up_session=sessions[1],
            status="done",
        )
        RoadmapUpdateFactory(item=item)
        RoadmapUpdateFactory(item=item, from_status="in_progress", to_status="done")
    url = reverse("outcomes:roadmap", kwargs={"slug": group.slug})
    # The group, the actions (sessions and institution joined), their timelines, the roadmap PDFs.
    with django_assert_num_queries(4):
        response = client.get(url, {"status": "done"})
    assert len(response.context["roadmap"].items) == actions


def test_an_unknown_group_gets_the_not_found_page(client):
    response = client.get(reverse("outcomes:roadmap", kwargs={"slug": "nope"}))

    assert status_and_headings(response) == (404, ["Page not found"])


def test_the_roadmap_pdf_is_built_from_the_same_data_as_the_page(session_2):
    item = RoadmapItemFactory(
        group=session_2.group, title="Map the alternatives", agreed_session=session_2, due_date=date(2023, 6, 1)
    )
    RoadmapUpdateFactory(item=item, note="Nine countries answered.", to_status="planned")

    with time_machine.travel(datetime(2023, 7, 1, 12, tzinfo=MADRID), tick=False):
        html = pdf.document_html(kind=Document.Kind.ROADMAP, session=session_2, language="en")

    assert "Overdue (1)" in html
    assert "Map the alternatives" in html
    assert "Agreed at session 2" in html
    assert "Nine countries answered." in html


def test_an_upcoming_session_lists_the_actions_it_follows_up_and_a_held_one_those_it_agreed(client, session_2):
    session_3 = SessionFactory(group=session_2.group, number=3, slug="session-3", status="registration_open")
    agreed = RoadmapItemFactory(group=session_2.group, title="Agreed at 2", agreed_session=session_2)
    RoadmapItemFactory(group=session_2.group, title="Followed at 3", follow_up_session=session_3)
    RoadmapItemFactory(group=session_2.group, title="Elsewhere")

    upcoming = client.get(session_3.get_absolute_url()).content.decode()
    held = client.get(session_2.get_absolute_url()).content.decode()

    assert 'id="follow-ups"' in upcoming
    assert re.findall(r'<h3 class="h6 mb-1">([^<]+) <span', upcoming) == ["Followed at 3"]
    assert re.findall(r'<h3 class="h6 mb-1">([^<]+) <span', held) == ["Agreed at 2"]
    assert f'id="action-{agreed.pk}"' in held


def test_the_cached_page_turns_an_action_overdue_at_midnight_in_its_zone(client, session_2):
    RoadmapItemFactory(group=session_2.group, title="Due today", agreed_session=session_2, due_date=date(2030, 6, 30))
    url = reverse("outcomes:roadmap", kwargs={"slug": session_2.group.slug})

    with time_machine.travel(datetime(2030, 6, 30, 23, 59, tzinfo=MADRID), tick=False):
        first = client.get(url)
        cached = client.get(url)
    with time_machine.travel(datetime(2030, 7, 1, 0, 0, 1, tzinfo=MADRID), tick=False):
        after_midnight = client.get(url)

    assert [g.status for g in first.context["roadmap"].groups] == ["planned"]
    assert cached.context is None  # served from the page cache
    assert [g.status for g in after_midnight.context["roadmap"].groups] == ["overdue"]
