import re
import zoneinfo
from datetime import UTC, datetime

import pytest

from agenda.models import AgendaItem
from sessions_app.admin import AgendaItemInlineForm
from sessions_app.models import Session
from tests.factories import AgendaItemFactory, SessionFactory, WorkingGroupFactory
from tests.sessions_app.pages import status_and_headings, text, texts

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def session_form(group, **overrides):
    data = {
        "group": str(group.pk),
        "number": "2",
        "title_en": "Inclusive mechanisms",
        "title_es": "Mecanismos inclusivos",
        "title_pt": "",
        "slug": "session-2",
        "status": Session.Status.PUBLISHED,
        "time_zone": "Europe/Madrid",
        "starts_at_0": "2023-05-10",
        "starts_at_1": "15:30",
        "duration_minutes": "90",
        "format": Session.Format.VIRTUAL,
        "reminder_offsets_minutes": ["1440", "60"],
        **inline_management("objectives"),
        **inline_management("methodology_steps"),
        **inline_management("guiding_questions"),
        **inline_management("agenda_items"),
        **inline_management("seat_reservations"),
        "_continue": "1",
    }
    data.update(overrides)
    return data


def test_staff_enter_the_start_in_the_session_time_zone(client, staff):
    group = WorkingGroupFactory()
    client.force_login(staff)

    response = client.post("/admin/sessions_app/session/add/", session_form(group))

    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
    session = Session.objects.get(slug="session-2")
    assert session.starts_at == datetime(2023, 5, 10, 13, 30, tzinfo=UTC)
    page = client.get(f"/admin/sessions_app/session/{session.pk}/change/").content.decode()
    assert re.findall(r'name="starts_at_[01]"[^>]*value="([^"]*)"', page) == ["10/05/2023", "15:30:00"]


def test_start_is_read_in_the_zone_chosen_on_the_form(client, staff):
    group = WorkingGroupFactory()
    client.force_login(staff)

    client.post("/admin/sessions_app/session/add/", session_form(group, time_zone="America/Montevideo"))

    assert Session.objects.get(slug="session-2").starts_at == datetime(2023, 5, 10, 18, 30, tzinfo=UTC)


def test_change_page_shows_the_computed_agenda_and_its_warning(client, staff):
    session = SessionFactory(starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=MADRID), duration_minutes=90)
    AgendaItemFactory(session=session, order=1, title="Opening", duration_minutes=5, kind=AgendaItem.Kind.OPENING)
    block = AgendaItemFactory(session=session, order=2, title="Experiences", duration_minutes=90)
    AgendaItemFactory(session=session, order=3, parent=block, title="Portugal", duration_minutes=10)
    client.force_login(staff)

    page = client.get(f"/admin/sessions_app/session/{session.pk}/change/").content.decode()

    warning = "The agenda ends at 17:05, 5 min after the announced end of the session at 17:00 (Europe/Madrid)."
    # The session of 2023 is past the retention window too: staff are told that as well.
    retention = (
        "This session ended more than 730 days ago: its registrations that nobody has touched since are "
        "anonymised by the hourly retention task. What you add or change now (a registration, attendance, a "
        "certificate) restarts that registration's clock: it is kept 730 days from today, then anonymised."
    )
    assert texts(page.split('class="messagelist"')[1].split("</ul>")[0], "li") == [retention, warning]
    agenda = page.split('<table class="computed-agenda">')[1].split("</table>")[0]
    assert [text(row) for row in agenda.split("<tr>")[2:]] == [
        "15:30–15:35 Opening Opening 5",
        "15:35–17:05 Presentation Experiences 90",
        "15:35–15:45 Presentation — Portugal 10",
    ]


def test_agenda_item_parent_must_belong_to_the_same_session(client, staff):
    session = SessionFactory()
    other = AgendaItemFactory(session=SessionFactory(), title="Elsewhere")
    item = AgendaItemFactory(session=session, title="Here")
    client.force_login(staff)

    page = client.get(f"/admin/agenda/agendaitem/{item.pk}/change/").content.decode()
    parent_select = page.split('name="parent"')[1].split("</select>")[0]
    assert texts(parent_select, "option") == ["---------"]

    response = client.post(
        f"/admin/agenda/agendaitem/{item.pk}/change/",
        {
            "session": str(session.pk),
            "parent": str(other.pk),
            "order": "1",
            "kind": AgendaItem.Kind.PRESENTATION,
            "title_en": "Here",
            "duration_minutes": "10",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.parent_id is None


def test_an_agenda_item_cannot_be_moved_inside_one_of_its_own_items_on_either_form(client, staff):
    session = SessionFactory()
    block = AgendaItemFactory(session=session, order=1, title="Experiences", duration_minutes=60)
    child = AgendaItemFactory(session=session, order=1, parent=block, title="Portugal", duration_minutes=10)
    client.force_login(staff)
    refused = "An item cannot be placed inside itself or inside one of its own items."

    response = client.post(
        f"/admin/agenda/agendaitem/{block.pk}/change/",
        {
            "session": str(session.pk),
            "parent": str(child.pk),
            "order": "1",
            "kind": AgendaItem.Kind.PRESENTATION,
            "title_en": "Experiences",
            "duration_minutes": "60",
            **inline_management("roles"),
        },
    )
    on_the_session_page = AgendaItemInlineForm(
        instance=block,
        data={"order": "1", "parent": str(child.pk), "kind": AgendaItem.Kind.PRESENTATION, "title": "Experiences"},
    )

    assert response.context["adminform"].form.errors["parent"] == [refused]
    assert response.content.decode().count(refused) == 2  # the summary at the top, and beside the field
    assert on_the_session_page.errors["parent"] == [refused]
    assert AgendaItem.objects.get(pk=block.pk).parent_id is None


def test_an_action_on_one_session_asks_staff_to_select_exactly_one(client, staff):
    first, second = SessionFactory(), SessionFactory()
    client.force_login(staff)

    response = client.post(
        "/admin/sessions_app/session/",
        {"action": "clone_sessions", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == ["Select exactly one session."]
    assert Session.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/admin/sessions_app/session/", "Select session to change"),
        ("/admin/sessions_app/session/?status__exact=held", "Select session to change"),
        ("/admin/sessions_app/session/add/", "Add session"),
        ("/admin/agenda/agendaitem/", "Select agenda item to change"),
        ("/admin/agenda/speaker/?q=lima", "Select speaker to change"),
        ("/admin/registrations/institution/?kind__exact=health", "Select institution to change"),
        ("/admin/registrations/focalpoint/", "Select focal point to change"),
    ],
)
def test_staff_open_the_lists_and_forms_of_sessions_agenda_and_focal_points(client, staff, url, heading):
    SessionFactory()
    client.force_login(staff)

    response = client.get(url)

    assert status_and_headings(response) == (200, [heading])


def test_view_on_site_previews_a_draft(client, staff):
    session = SessionFactory(status=Session.Status.DRAFT, slug="draft", title="Draft title")
    client.force_login(staff)

    page = client.get(f"/admin/sessions_app/session/{session.pk}/change/").content.decode()
    view_on_site = re.search(r'<a href="([^"]+)" class="viewsitelink"', page).group(1)
    response = client.get(view_on_site)

    assert view_on_site == "/en/sessions/draft/"
    assert texts(response.content.decode(), "h1") == ["Draft title"]


def test_the_session_page_counts_registrations_by_country_and_gender(client, staff):
    from registrations.models import Registration
    from tests.factories import RegistrationFactory

    session = SessionFactory()
    RegistrationFactory(session=session, country="UY", gender="woman", status=Registration.Status.CONFIRMED)
    RegistrationFactory(session=session, country="UY", gender="man", status=Registration.Status.WAITLISTED)
    RegistrationFactory(session=session, country="MX", gender="woman", status=Registration.Status.CANCELLED)
    client.force_login(staff)

    page = client.get(f"/admin/sessions_app/session/{session.pk}/change/").content.decode()

    by_country = re.search(r'<table id="summary-by-country">.*?</table>', page, re.S).group(0)
    rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", by_country)]
    assert rows[0][0] == "Country"
    statuses = rows[0][1:]
    as_dicts = {row[0]: dict(zip(statuses, row[1:], strict=True)) for row in rows[1:]}
    assert as_dicts["Mexico"]["Cancelled"] == "1"
    assert as_dicts["Uruguay"]["Confirmed"] == "1"
    assert as_dicts["Uruguay"]["On the waiting list"] == "1"
    assert as_dicts["Total"]["Confirmed"] == "1"
