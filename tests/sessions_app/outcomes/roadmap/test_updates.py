"""Focal points report progress on their own country's actions; staff on any; every report is kept."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sessions_app.models import RoadmapItem, RoadmapReminderOptOut, RoadmapUpdate
from tests.factories import InstitutionFactory, RoadmapItemFactory, RoadmapUpdateFactory, UserFactory
from tests.sessions_app.pages import status_and_headings
from tests.support.documents import EXE_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def uruguay_action():
    return RoadmapItemFactory(
        title="Share the Crisálidas evaluation", owner_kind="country", owner_country="UY", due_date=date(2030, 1, 1)
    )


def _url(item):
    return reverse("outcomes:roadmap_update", kwargs={"pk": item.pk})


def _report(**overrides):
    data = {"status": "in_progress", "note_date": "2026-12-01", "note": "Borrador enviado al ministerio.", "link": ""}
    data.update(overrides)
    return data


def test_a_focal_point_reports_progress_and_the_timeline_records_it(client, focal_point_uruguay, uruguay_action):
    client.force_login(focal_point_uruguay.user)

    response = client.post("/es" + _url(uruguay_action)[3:], _report(link="https://www.gub.uy/informe"))

    assert response.status_code == 302
    assert response["Location"] == "/es/focal-point/#roadmap"
    uruguay_action.refresh_from_db()
    assert uruguay_action.status == RoadmapItem.Status.IN_PROGRESS
    update = RoadmapUpdate.objects.get(item=uruguay_action)
    assert (
        update.author,
        update.author_role,
        update.author_country.code,
        update.from_status,
        update.to_status,
        update.note_date,
        update.note,
        update.language,
        update.link,
    ) == (
        focal_point_uruguay.user,
        "focal_point",
        "UY",
        "planned",
        "in_progress",
        date(2026, 12, 1),
        "Borrador enviado al ministerio.",
        "es",
        "https://www.gub.uy/informe",
    )


def test_an_action_owned_by_an_institution_belongs_to_its_country(client, focal_point_uruguay):
    item = RoadmapItemFactory(owner_kind="institution", owner_institution=InstitutionFactory(country="UY"))
    client.force_login(focal_point_uruguay.user)

    response = client.get(_url(item))

    assert status_and_headings(response) == (200, ["Report progress"])


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_focal_point_of_another_country_finds_nothing_and_changes_nothing(
    client, focal_point_mexico, uruguay_action, method
):
    client.force_login(focal_point_mexico.user)

    response = getattr(client, method)(_url(uruguay_action), _report() if method == "post" else None)

    assert status_and_headings(response) == (404, ["Page not found"])
    assert RoadmapUpdate.objects.count() == 0
    uruguay_action.refresh_from_db()
    assert uruguay_action.status == RoadmapItem.Status.PLANNED


@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_may_report_on_the_programmes_actions_but_staff(client, focal_point_uruguay, method):
    item = RoadmapItemFactory()
    client.force_login(focal_point_uruguay.user)

    response = getattr(client, method)(_url(item), _report() if method == "post" else None)

    assert status_and_headings(response) == (404, ["Page not found"])
    assert RoadmapUpdate.objects.count() == 0


def test_a_signed_in_stranger_finds_nothing_and_an_anonymous_visitor_is_sent_to_sign_in(client, uruguay_action):
    anonymous = client.get(_url(uruguay_action))
    client.force_login(UserFactory(username="someone"))
    stranger = client.get(_url(uruguay_action))

    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/en/accounts/login/?next={_url(uruguay_action)}")
    assert status_and_headings(stranger) == (404, ["Page not found"])


def test_staff_report_on_any_action(client, staff, uruguay_action):
    client.force_login(staff)

    response = client.post(_url(uruguay_action), _report(status="done", note="Closed at session 3."))

    assert response.status_code == 302
    update = RoadmapUpdate.objects.get()
    assert (update.author_role, update.from_status, update.to_status) == ("staff", "planned", "done")


def test_the_form_explains_what_is_wrong_and_saves_nothing(client, focal_point_uruguay, uruguay_action):
    client.force_login(focal_point_uruguay.user)

    response = client.post(
        _url(uruguay_action), _report(status="finished", note="  ", note_date="2999-01-01", link="javascript:alert(1)")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"status", "note", "note_date", "link"}
    assert RoadmapUpdate.objects.count() == 0


def test_a_document_follows_the_file_rules_and_is_served_with_the_public_action(
    client, focal_point_uruguay, uruguay_action
):
    client.force_login(focal_point_uruguay.user)
    refused = client.post(_url(uruguay_action), {**_report(), "document": SimpleUploadedFile("report.pdf", EXE_BYTES)})
    assert "document" in refused.context["form"].errors
    assert RoadmapUpdate.objects.count() == 0

    client.post(_url(uruguay_action), {**_report(), "document": SimpleUploadedFile("Informe final.pdf", PDF_BYTES)})

    update = RoadmapUpdate.objects.get()
    assert (update.document_kind, update.document_name) == ("pdf", "informe-final.pdf")
    client.logout()
    download = client.get(reverse("outcomes:roadmap_document", kwargs={"pk": update.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"


def test_the_dashboard_lists_the_countrys_actions_with_their_update_links(
    client, focal_point_uruguay, focal_point_mexico, uruguay_action
):
    mexico_action = RoadmapItemFactory(title="Document the centres", owner_kind="country", owner_country="MX")
    RoadmapUpdateFactory(item=uruguay_action, note="Avance en curso.", language="es")
    client.force_login(focal_point_uruguay.user)

    page = client.get(reverse("focal_points:dashboard")).content.decode()

    assert _url(uruguay_action) in page
    assert "Avance en curso." in page
    assert _url(mexico_action) not in page
    assert "Document the centres" not in page


def test_a_focal_point_turns_the_reminders_off_and_on(client, focal_point_uruguay):
    client.force_login(focal_point_uruguay.user)
    url = reverse("outcomes:roadmap_reminders")

    client.post(url, {"reminders": "off"})
    assert list(RoadmapReminderOptOut.objects.values_list("user", flat=True)) == [focal_point_uruguay.user.pk]
    assert "You do not receive these reminders." in client.get(url).content.decode()
    client.post(url, {"reminders": "on"})
    assert RoadmapReminderOptOut.objects.count() == 0
