"""The group's figures at a glance: the dashboard's numbers equal counts taken straight from the
database for a generated data set, its charts are accessible SVG with a table beside each, its
tables download as CSV, and its cost does not grow with the number of sessions."""

import re
from datetime import timedelta
from itertools import cycle

import pytest
from django.utils import timezone

from registrations.models import Contribution, Delivery, Institution, Registration
from tests.factories import InstitutionFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/admin/sessions_app/session/figures/"
COUNTRIES = ["UY", "MX", "BR", "ES", "PT"]
GENDERS = ["woman", "man", "non_binary", "prefer_not", ""]
STATUSES = list(Registration.Status.values)


def build(sessions=3):
    """Three sessions, five countries, every status, gender and a few institution kinds, contributions, deliveries."""
    kinds = cycle([Institution.Kind.MINISTRY, Institution.Kind.JUDICIARY, Institution.Kind.HEALTH, None])
    result = []
    for index in range(sessions):
        session = SessionFactory(starts_at=timezone.now() + timedelta(days=30 * index))
        for number in range(17 + 3 * index):
            kind = next(kinds)
            country = COUNTRIES[number % 5]
            RegistrationFactory(
                session=session,
                country=country,
                status=STATUSES[number % len(STATUSES)],
                gender=GENDERS[(number + index) % len(GENDERS)],
                institution=InstitutionFactory(kind=kind, country=country) if kind else None,
            )
        for country in COUNTRIES[: index + 2]:
            Contribution.objects.create(
                session=session, country=country, status="submitted" if country != "ES" else "draft"
            )
        registration = session.registrations.first()
        for status in ("sent", "sent", "failed", "suppressed"):
            Delivery.objects.create(
                key=f"k-{session.pk}-{status}-{Delivery.objects.count()}",
                kind="x",
                to_email="a@example.org",
                subject="s",
                body_text="b",
                status=status,
                registration=registration,
            )
        result.append(session)
    return result


def cells(page, table):
    body = re.search(rf'<table id="table-{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def independent(filter_kwargs):
    registrations = Registration.objects.filter(**filter_kwargs)
    registered = registrations.count()
    confirmed = registrations.filter(status__in=["confirmed", "attended"]).count()
    attended = registrations.filter(status="attended").count()
    return registered, confirmed, attended


def test_dashboard_numbers_equal_counts_from_the_database(client, staff):
    sessions = build()
    client.force_login(staff)
    page = client.get(URL).content.decode()

    by_session = {row[0]: row[1:4] for row in cells(page, "sessions")}
    for session in sessions:
        assert by_session[str(session)] == [str(n) for n in independent({"session": session})]
    assert by_session["All selected sessions"] == [str(n) for n in independent({})]

    by_country = {row[0]: row[1:4] for row in cells(page, "countries")}
    assert by_country == {
        name: [str(n) for n in independent({"country": code})]
        for code, name in [("UY", "Uruguay"), ("MX", "Mexico"), ("BR", "Brazil"), ("ES", "Spain"), ("PT", "Portugal")]
    }
    by_gender = {row[0]: row[1:4] for row in cells(page, "genders")}
    assert by_gender["Woman"] == [str(n) for n in independent({"gender": "woman"})]
    assert by_gender["Not given"] == [str(n) for n in independent({"gender": ""})]
    by_kind = {row[0]: row[1:4] for row in cells(page, "kinds")}
    assert by_kind["Judiciary"] == [str(n) for n in independent({"institution__kind": "judiciary"})]
    assert by_kind["Not in the register of institutions"] == [
        str(n) for n in independent({"institution__isnull": True})
    ]
    registered, confirmed, attended = independent({})
    total_row = next(row for row in cells(page, "sessions") if row[0] == "All selected sessions")
    assert total_row[4:6] == [f"{100 * confirmed / registered:.1f} %", f"{100 * attended / confirmed:.1f} %"]

    answered = {row[0]: row[1] for row in cells(page, "contributions")}
    for session in sessions:
        assert answered[str(session)] == str(Contribution.objects.filter(session=session, status="submitted").count())
    assert cells(page, "delivery") == [
        [
            str(Delivery.objects.filter(status="sent").count()),
            str(Delivery.objects.filter(status="failed").count()),
            str(Delivery.objects.filter(status="suppressed").count()),
            "0",
            str(Delivery.objects.count()),
        ]
    ]


def test_charts_are_svg_with_a_title_a_description_and_a_table_beside(client, staff):
    build(sessions=1)
    client.force_login(staff)
    page = client.get(URL).content.decode()

    for name in ("sessions", "countries", "kinds", "genders"):
        section = re.search(rf'<section id="figures-{name}">(.*?)</section>', page, re.S).group(1)
        svg = re.search(r"<svg [^>]*>.*?</svg>", section, re.S).group(0)
        assert f'role="img" aria-labelledby="chart-{name}-title chart-{name}-desc"' in svg
        assert re.search(rf'<title id="chart-{name}-title">[^<]+</title><desc id="chart-{name}-desc">[^<]+</desc>', svg)
        assert f'<table id="table-{name}">' in section
    assert "<script" not in page.split('id="content-main"')[1]


def test_filter_by_session_and_a_csv_of_each_table(client, staff):
    first, second, _third = build()
    client.force_login(staff)

    page = client.get(URL, {"session": second.pk}).content.decode()
    assert [row[0] for row in cells(page, "sessions")] == [str(second), "All selected sessions"]

    response = client.get(URL, {"session": second.pk, "csv": "countries"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    # Every cell quoted (the portal's spreadsheet rule: one cell whatever separator a reader uses).
    assert text.startswith('\ufeff"Country","Registrations","Confirmed","Attended",')
    assert len(text.strip().splitlines()) == 1 + 5

    page = client.get(URL, {"date_from": "2000-01-02", "date_to": "2000-01-01"}).content.decode()
    assert "The end of the period is before its start." in page


@pytest.mark.parametrize("sessions", [1, 4])
def test_dashboard_query_count_is_flat(client, staff, django_assert_num_queries, sessions):
    build(sessions=sessions)
    client.force_login(staff)
    # session and user, the staff second-factor check, the sessions, the filter's sessions, the 4 grouped
    # counts, contributions, delivery; the evaluation's questionnaires (none here); the practices by
    # country, stage, theme and status
    with django_assert_num_queries(16):
        response = client.get(URL)
    assert len(cells(response.content.decode(), "sessions")) == sessions + 1


def test_dashboard_is_for_staff_only(client, outsider):
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
