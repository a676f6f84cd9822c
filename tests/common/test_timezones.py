import zoneinfo
from datetime import datetime

import pytest

from common.timezones import REFERENCE_CITIES, format_utc_offset, local_starts, selectable_zone

UTC = zoneinfo.ZoneInfo("UTC")


def table(instant):
    return {row.city.time_zone: (row.start.strftime("%Y-%m-%d %H:%M"), row.utc_offset) for row in local_starts(instant)}


def test_every_participating_country_has_a_reference_city():
    assert {city.time_zone for city in REFERENCE_CITIES} == {
        "Europe/Brussels",
        "Europe/Madrid",
        "Europe/Lisbon",
        "America/Mexico_City",
        "America/Costa_Rica",
        "America/Bogota",
        "America/Lima",
        "America/Santo_Domingo",
        "America/Port_of_Spain",
        "America/Santiago",
        "America/Argentina/Buenos_Aires",
        "America/Montevideo",
        "America/Sao_Paulo",
    }


def test_concept_note_start_in_the_participating_countries():
    rows = table(datetime(2023, 5, 10, 15, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid")))

    assert rows == {
        "Europe/Brussels": ("2023-05-10 15:30", "UTC+02:00"),
        "Europe/Madrid": ("2023-05-10 15:30", "UTC+02:00"),
        "Europe/Lisbon": ("2023-05-10 14:30", "UTC+01:00"),
        "America/Mexico_City": ("2023-05-10 07:30", "UTC-06:00"),
        "America/Costa_Rica": ("2023-05-10 07:30", "UTC-06:00"),
        "America/Bogota": ("2023-05-10 08:30", "UTC-05:00"),
        "America/Lima": ("2023-05-10 08:30", "UTC-05:00"),
        "America/Santo_Domingo": ("2023-05-10 09:30", "UTC-04:00"),
        "America/Port_of_Spain": ("2023-05-10 09:30", "UTC-04:00"),
        "America/Santiago": ("2023-05-10 09:30", "UTC-04:00"),
        "America/Argentina/Buenos_Aires": ("2023-05-10 10:30", "UTC-03:00"),
        "America/Montevideo": ("2023-05-10 10:30", "UTC-03:00"),
        "America/Sao_Paulo": ("2023-05-10 10:30", "UTC-03:00"),
    }


def test_daylight_saving_changes_in_europe_and_chile_move_the_local_times():
    # Same 14:30 UTC on both sides of Europe's change (last Sunday of March 2024: the 31st) and
    # Chile's (first Sunday of April 2024: the 7th).
    before = table(datetime(2024, 3, 28, 14, 30, tzinfo=UTC))
    between = table(datetime(2024, 4, 3, 14, 30, tzinfo=UTC))
    after = table(datetime(2024, 4, 10, 14, 30, tzinfo=UTC))

    assert before["Europe/Madrid"] == ("2024-03-28 15:30", "UTC+01:00")
    assert between["Europe/Madrid"] == ("2024-04-03 16:30", "UTC+02:00")
    assert before["Europe/Lisbon"] == ("2024-03-28 14:30", "UTC+00:00")
    assert between["Europe/Lisbon"] == ("2024-04-03 15:30", "UTC+01:00")

    assert before["America/Santiago"] == ("2024-03-28 11:30", "UTC-03:00")
    assert between["America/Santiago"] == ("2024-04-03 11:30", "UTC-03:00")
    assert after["America/Santiago"] == ("2024-04-10 10:30", "UTC-04:00")

    # Places without daylight saving do not move.
    assert {before["America/Bogota"][1], after["America/Bogota"][1]} == {"UTC-05:00"}
    assert {before["America/Montevideo"][1], after["America/Montevideo"][1]} == {"UTC-03:00"}


def test_rows_run_west_to_east_and_cross_midnight_with_the_date():
    rows = local_starts(datetime(2024, 1, 15, 4, 0, tzinfo=UTC))

    offsets = [row.start.utcoffset() for row in rows]
    assert offsets == sorted(offsets)
    by_zone = {row.city.time_zone: row.start.strftime("%Y-%m-%d %H:%M") for row in rows}
    assert by_zone["America/Mexico_City"] == "2024-01-14 22:00"
    assert by_zone["Europe/Madrid"] == "2024-01-15 05:00"


def test_utc_offset_is_written_with_hours_and_minutes_and_an_ascii_sign():
    def offset(zone):
        return format_utc_offset(datetime(2023, 5, 10, 12, 0, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(zone)))

    assert offset("Europe/Madrid") == "UTC+02:00"
    assert offset("UTC") == "UTC+00:00"
    assert offset("America/Montevideo") == "UTC-03:00"
    assert offset("Asia/Kolkata") == "UTC+05:30"
    assert offset("America/St_Johns") == "UTC-02:30"


# ── One rule for a valid zone: what people may choose (zone.tab and UTC) ─────────────────────


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Europe/Madrid", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "UTC"])
def test_a_zone_people_can_choose_is_valid_everywhere(name):
    from registrations.admin.registrations import RegistrationAdminForm
    from sessions_app.models import validate_time_zone

    assert selectable_zone(name)
    validate_time_zone(name)  # raises nothing
    form = RegistrationAdminForm(data={"time_zone": name})
    form.is_valid()
    assert "time_zone" not in form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["US/Eastern", "Asia/Calcutta", "Etc/GMT+3", "Not/AZone", ""])
def test_an_alias_or_unknown_zone_is_refused_by_the_session_and_the_registration_admin(name):
    from django.core.exceptions import ValidationError

    from registrations.admin.registrations import RegistrationAdminForm
    from sessions_app.models import validate_time_zone

    assert not selectable_zone(name)
    with pytest.raises(ValidationError):
        validate_time_zone(name)
    if name:  # blank means "the country's zone" on the registration form
        form = RegistrationAdminForm(data={"time_zone": name})
        form.is_valid()
        assert form.errors["time_zone"] == [f"“{name}” is not an IANA time zone such as Europe/Madrid."]
