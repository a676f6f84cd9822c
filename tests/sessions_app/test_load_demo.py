import zoneinfo
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import translation

from agenda.models import AgendaItem, AgendaRole, Speaker
from agenda.timing import compute_schedule
from sessions_app.models import GuidingQuestion, MethodologyStep, Objective, Session, ThematicFocus, WorkingGroup

pytestmark = pytest.mark.django_db
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
MODELS = [
    ThematicFocus,
    WorkingGroup,
    Session,
    Objective,
    MethodologyStep,
    GuidingQuestion,
    Speaker,
    AgendaItem,
    AgendaRole,
]


def snapshot():
    rows = {}
    for model in MODELS:
        rows[model.__name__] = [
            {**model_to_dict(obj), "updated_at": getattr(obj, "updated_at", None)}
            for obj in model.objects.order_by("pk")
        ]
    users = get_user_model().objects.order_by("pk")
    rows["users"] = [(user.email, user.password, user.is_staff, user.is_superuser) for user in users]
    return rows


def test_load_demo_twice_leaves_the_same_rows(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    second = snapshot()

    assert second == first
    assert {name: len(rows) for name, rows in second.items()} == {
        "ThematicFocus": 4,
        "WorkingGroup": 1,
        "Session": 2,
        "Objective": 6,
        "MethodologyStep": 10,
        "GuidingQuestion": 7,
        "Speaker": 9,
        "AgendaItem": 17,
        "AgendaRole": 13,
        "users": 1,
    }
    output = capsys.readouterr().out.splitlines()
    assert output[-1] == "Staff login: staff@copolad.local / copolad-demo-2026 at http://127.0.0.1:8000/admin/"


def test_demo_session_2_is_the_concept_note():
    call_command("load_demo")

    session = Session.objects.get(group__outcome_code="3.5", number=2)
    assert session.title_en == (
        "Inclusive mechanisms to reduce the inequality gap of the population involved in minor drug offences"
    )
    assert session.starts_at == datetime(2023, 5, 10, 13, 30, tzinfo=UTC)
    assert session.time_zone == "Europe/Madrid"
    assert session.duration_minutes == 90
    assert session.format == Session.Format.VIRTUAL
    assert session.status == Session.Status.HELD
    assert session.join_url == "https://zoom.us/meeting/register/tJcucOqsqDwrG9Vm3GLKhKX81Mg-vplzhi5D"
    assert session.objectives.count() == 4
    assert session.guiding_questions.count() == 5
    assert [step.moment for step in session.methodology_steps.all()] == ["before"] * 2 + ["during"] * 4 + ["after"]
    assert sorted(session.thematic_focuses.values_list("slug", flat=True)) == [
        "gender",
        "human-rights",
        "non-criminalisation",
        "public-health",
    ]
    for field in ["title", "context", "main_outcome", "target_participants"]:
        assert all(getattr(session, f"{field}_{language}") for language in ["en", "es", "pt"]), field

    with translation.override("en"):
        schedule = compute_schedule(session, list(session.agenda_items.all()))
    lines = [
        (
            slot.depth,
            slot.start.astimezone(MADRID).strftime("%H:%M"),
            slot.item.duration_minutes,
            slot.item.kind,
            slot.item.country.code or "",
            [(role.speaker.name, role.role) for role in slot.item.roles.all()],
        )
        for slot in schedule.flat()
    ]
    assert lines == [
        (0, "15:30", 5, "opening", "", [("Javier Sagredo", "host")]),
        (0, "15:35", 15, "main_presentation", "", [("Giselle Amador Muñoz", "speaker")]),
        (0, "15:50", 10, "round_table", "", [("Virginia Tedeschi", "speaker")]),
        (0, "16:00", 60, "experiences", "", []),
        (1, "16:00", 10, "presentation", "PT", [("Catia Lima", "speaker")]),
        (1, "16:10", 10, "presentation", "UY", [("Andrea Hernández", "speaker"), ("Teresa Godoy", "speaker")]),
        (1, "16:20", 10, "presentation", "MX", [("Daniela Dorantes Salgado", "speaker")]),
        (1, "16:30", 30, "open_debate", "", [("Beatriz López Lorca", "moderator")]),
        (0, "17:00", 5, "closing", "", [("Laura Guirao Stern", "host")]),
    ]
    assert schedule.warnings == [
        "The agenda ends at 17:05, 5 min after the announced end of the session at 17:00 (Europe/Madrid)."
    ]
    upcoming = Session.objects.get(group__outcome_code="3.5", number=3)
    assert (upcoming.status, upcoming.capacity) == (Session.Status.REGISTRATION_OPEN, 300)
    assert compute_schedule(upcoming, list(upcoming.agenda_items.all())).warnings == []


def test_demo_staff_password_comes_from_the_environment(monkeypatch, client):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "a long demo passphrase")
    call_command("load_demo")

    user = get_user_model().objects.get(email="staff@copolad.local")
    assert (user.is_staff, user.is_superuser, user.check_password("a long demo passphrase")) == (True, True, True)
    assert client.login(username="staff@copolad.local", password="a long demo passphrase") is True
