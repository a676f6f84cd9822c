"""Every CSV the portal writes, opened with ";" (Excel in Spanish or Portuguese) and with ",", gives no
cell that starts with a formula character, however a person wrote their name, position or answers.

The CSVs: the registrations export, the contributions export and each table of the figures page.
"""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from common import spreadsheets
from registrations.focal_points import answers
from registrations.models import Contribution, Registration
from tests.factories import GuidingQuestionFactory, InstitutionFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "x;=1+2;",
    "x,=1+2,",
    'x;"=1+2";',
    "a; -2+3",
    "a,+SUM(A1)",
    "@cmd; @x",
    '=HYPERLINK("https://evil.example")',
    "line\n=1+2",
    "tab\t=1",
    '";=1;"',
    "  =1",
]
FORMULA = ("=", "+", "-", "@")


def cells(content, delimiter):
    text = content.decode("utf-8").lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def formula_cells(content):
    found = []
    for delimiter in (";", ","):
        for cell in cells(content, delimiter):
            # A reader may strip spaces and quotes around a cell before looking at it.
            if cell.strip().strip('"').strip()[:1] in FORMULA:
                found.append((delimiter, cell))
    return found


@pytest.fixture
def hostile_people():
    session = SessionFactory(title="Sesión;=1+2")
    institution = InstitutionFactory(name="Ministerio;=2+3", country="UY")
    for index, name in enumerate(HOSTILE):
        RegistrationFactory(
            session=session,
            full_name=name,
            position=HOSTILE[-1 - index],
            institution=institution if index % 2 else None,
            institution_name=name,
            accessibility_needs=name,
            gender=Registration.Gender.SELF_DESCRIBED,
            gender_self_described=name,
            status=Registration.Status.CONFIRMED,
        )
    return session


def test_the_registrations_csv_has_no_formula_cell_with_either_separator(client, staff, hostile_people):
    client.force_login(staff)

    response = client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "export_csv", "_selected_action": list(Registration.objects.values_list("pk", flat=True))},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert formula_cells(response.content) == []
    # Read with its own separator, each name is one cell, as typed but for the apostrophes.
    names = [row[2] for row in csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")))][1:]
    assert names[0] == "x;'=1+2;"
    assert names[6] == '\'=HYPERLINK("https://evil.example")'


def test_the_contributions_csv_has_no_formula_cell_with_either_separator(client, staff):
    session = SessionFactory(title="Sesión;=1+2")
    questions = [GuidingQuestionFactory(session=session, text=f"Q{index};=1") for index in range(3)]
    answers.save_contribution(
        session=session,
        country="UY",
        answers={question.pk: HOSTILE[index] for index, question in enumerate(questions)},
        user=staff,
    )
    client.force_login(staff)

    response = client.post(
        reverse("admin:registrations_contribution_changelist"),
        {"action": "export_csv", "_selected_action": list(Contribution.objects.values_list("pk", flat=True))},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert formula_cells(response.content) == []


@pytest.mark.parametrize("table", ["sessions", "countries", "kinds", "genders", "contributions"])
def test_each_figures_csv_has_no_formula_cell_with_either_separator(client, staff, hostile_people, table):
    client.force_login(staff)

    response = client.get("/admin/sessions_app/session/figures/", {"csv": table})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert formula_cells(response.content) == []


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab =+-@;,\t\n\"'")), max_size=12), min_size=1, max_size=4))
def test_any_row_of_text_gives_no_formula_cell_with_either_separator(row):
    content = spreadsheets.csv_bytes(["Name"] * len(row), [row])

    assert formula_cells(content) == []
