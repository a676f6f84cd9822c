"""Reference cities of the participating countries and the local start time in each.

Offsets are never stored: each city's time comes from zoneinfo for the session's own date, so the
table is right on both sides of a daylight-saving change (Europe moves in late March and late
October, Chile in early April and early September; most of Latin America keeps one offset).
"""

import functools
import importlib.resources
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django_countries import countries


@dataclass(frozen=True)
class ReferenceCity:
    name: object  # a lazy translation
    country: str  # ISO 3166-1 alpha-2
    time_zone: str  # IANA name


REFERENCE_CITIES = (
    ReferenceCity(_("Brussels"), "BE", "Europe/Brussels"),
    ReferenceCity(_("Madrid"), "ES", "Europe/Madrid"),
    ReferenceCity(_("Lisbon"), "PT", "Europe/Lisbon"),
    ReferenceCity(_("Mexico City"), "MX", "America/Mexico_City"),
    ReferenceCity(_("San José"), "CR", "America/Costa_Rica"),
    ReferenceCity(_("Bogotá"), "CO", "America/Bogota"),
    ReferenceCity(_("Lima"), "PE", "America/Lima"),
    ReferenceCity(_("Santo Domingo"), "DO", "America/Santo_Domingo"),
    ReferenceCity(_("Port of Spain"), "TT", "America/Port_of_Spain"),
    ReferenceCity(_("Santiago"), "CL", "America/Santiago"),
    ReferenceCity(_("Buenos Aires"), "AR", "America/Argentina/Buenos_Aires"),
    ReferenceCity(_("Montevideo"), "UY", "America/Montevideo"),
    ReferenceCity(_("Brasília"), "BR", "America/Sao_Paulo"),
)


@dataclass(frozen=True)
class LocalStart:
    city: ReferenceCity
    start: datetime  # aware, in the city's zone
    end: datetime

    @property
    def country_name(self):
        return countries.name(self.city.country)

    @property
    def utc_offset(self):
        return format_utc_offset(self.start)


def format_utc_offset(moment):
    """'UTC+02:00' / 'UTC-03:00': the offset in force at an aware ``moment`` in its own zone.

    The one format of every page, e-mail and PDF. An ASCII hyphen, not U+2212, so the label reads
    the same in e-mail subjects, calendar clients and any PDF font.
    """
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def local_starts(starts_at, ends_at=None, *, cities=REFERENCE_CITIES):
    """The start (and end) of an instant in every reference city, west to east by UTC offset.

    ``starts_at`` must be aware. Cities sharing an offset keep the order of ``cities``.
    """
    ends_at = ends_at or starts_at
    rows = []
    for city in cities:
        zone = zoneinfo.ZoneInfo(city.time_zone)
        rows.append(LocalStart(city=city, start=starts_at.astimezone(zone), end=ends_at.astimezone(zone)))
    rows.sort(key=lambda row: row.start.utcoffset())
    return rows


def session_local_starts(session):
    return local_starts(session.starts_at, session.ends_at)


# Countries with several zones: the one most of their institutions work in (the capital's).
CAPITAL_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "BR": "America/Sao_Paulo",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "MX": "America/Mexico_City",
    "PT": "Europe/Lisbon",
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "RU": "Europe/Moscow",
}


@functools.cache
def _zone_table():
    """{country code: first zone listed} from the IANA zone.tab (tzdata's copy, else the system's)."""
    try:
        text = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        try:
            text = Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")
        except OSError:
            return {}
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                table.setdefault(parts[0], parts[2])
    return table


def zone_for_country(code):
    """The IANA zone of a country's capital ("UY" → "America/Montevideo"); "" when unknown."""
    code = str(code or "").upper()
    return CAPITAL_ZONES.get(code) or _zone_table().get(code, "")
