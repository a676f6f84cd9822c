"""Reference cities of the participating countries and the local start time in each.

Offsets are never stored: each city's time comes from zoneinfo for the session's own date, so the
table is right on both sides of a daylight-saving change (Europe moves in late March and late
October, Chile in early April and early September; most of Latin America keeps one offset).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
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
    day_shift: bool = False  # the city's date differs from the date in the session's zone

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


def local_starts(starts_at, ends_at=None, *, cities=REFERENCE_CITIES, reference_zone=None):
    """The start (and end) of an instant in every reference city, west to east by UTC offset.

    ``starts_at`` must be aware; its own zone (or ``reference_zone``) gives the date that rows mark
    ``day_shift`` against. Cities sharing an offset keep the order of ``cities``.
    """
    ends_at = ends_at or starts_at
    reference_date = starts_at.astimezone(reference_zone).date() if reference_zone else starts_at.date()
    rows = []
    for city in cities:
        zone = zoneinfo.ZoneInfo(city.time_zone)
        start = starts_at.astimezone(zone)
        rows.append(
            LocalStart(city=city, start=start, end=ends_at.astimezone(zone), day_shift=start.date() != reference_date)
        )
    rows.sort(key=lambda row: row.start.utcoffset())
    return rows


def session_local_starts(session):
    return local_starts(session.starts_at, session.ends_at, reference_zone=session.zone)


# ── Time zones by country, for people choosing theirs ────────────────────────────────────────
#
# The IANA ``zone.tab`` names one canonical zone per region of each country: no legacy aliases
# (Asia/Calcutta, Brazil/Acre) and no duplicate spellings of a city. It ships with the ``tzdata``
# package, so it is the same file on every machine.


@lru_cache(maxsize=1)
def zones_by_country():
    """{ISO code: [IANA names]}: each country's zones, its reference city's zone first, then west to east."""
    zones = {}
    available = zoneinfo.available_timezones()
    for line in _zone_tab().splitlines():
        if not line or line.startswith("#"):
            continue
        code, _coordinates, name, *_comment = line.split("\t")
        if name in available:
            zones.setdefault(code, []).append(name)
    reference = {city.country: city.time_zone for city in REFERENCE_CITIES}
    moment = datetime(2026, 1, 15, 12, tzinfo=UTC)  # a fixed instant: the order never changes with DST
    for code, names in zones.items():
        names.sort(
            key=lambda name: (name != reference.get(code), moment.astimezone(zoneinfo.ZoneInfo(name)).utcoffset(), name)
        )
    return zones


def _zone_tab():
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # The system's copy of the same file (Debian's tzdata).
        return Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def zone_countries():
    """{IANA name: ISO code} for every zone people may choose."""
    return {name: code for code, names in zones_by_country().items() for name in names}


def selectable_zone(name):
    """True for the zones offered to people: every zone of zone.tab, and UTC. The one rule for a valid
    zone: the session's validator, the admin's registration form and the session admin's entry zone call it."""
    return name == "UTC" or name in zone_countries()


# Zone names people know better than the IANA city (translated), and accents the IANA names leave out.
ZONE_LABELS = {
    "America/Sao_Paulo": _("Brasília, São Paulo, Rio de Janeiro"),
    "America/Mexico_City": _("Mexico City"),
    "Europe/Madrid": _("Madrid"),
    "Europe/Lisbon": _("Lisbon"),
    "Europe/Brussels": _("Brussels"),
    "America/Costa_Rica": _("San José"),
    "America/Port_of_Spain": _("Port of Spain"),
    "Atlantic/Canary": _("Canary Islands"),
    "Atlantic/Azores": _("Azores"),
    "Atlantic/Madeira": _("Madeira"),
    "Pacific/Easter": _("Easter Island"),
    "Pacific/Galapagos": _("Galápagos Islands"),
    "America/Noronha": _("Fernando de Noronha"),
    "Africa/Ceuta": "Ceuta, Melilla",
    "America/Bogota": "Bogotá",
    "America/Asuncion": "Asunción",
    "America/Belem": "Belém",
    "America/Cuiaba": "Cuiabá",
    "America/Maceio": "Maceió",
    "America/Araguaina": "Araguaína",
    "America/Santarem": "Santarém",
    "America/Eirunepe": "Eirunepé",
    "America/Rio_Branco": "Rio Branco",
    "America/Porto_Velho": "Porto Velho",
    "America/Merida": "Mérida",
    "America/Cancun": "Cancún",
    "America/Mazatlan": "Mazatlán",
    "America/Bahia_Banderas": "Bahía de Banderas",
    "America/Ciudad_Juarez": "Ciudad Juárez",
    "America/Argentina/Cordoba": "Córdoba",
    "America/Argentina/Tucuman": "Tucumán",
}


def zone_label(name):
    """The one display form of a zone on every page, list and e-mail: a city or region people
    recognise ("Mexico City", "Brasília, São Paulo, Rio de Janeiro", "Bogotá"), in the active language."""
    if name in ZONE_LABELS:
        return str(ZONE_LABELS[name])
    if name == "UTC":
        return "UTC"
    return name.rsplit("/", 1)[-1].replace("_", " ")


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


def zone_for_country(code):
    """The IANA zone of a country's capital ("UY" → "America/Montevideo"); "" when unknown."""
    code = str(code or "").upper()
    return CAPITAL_ZONES.get(code) or next(iter(zones_by_country().get(code, [])), "")


def format_when(start, end, zone_name, *, capitalise=True):
    """How every page, e-mail and PDF writes a time: 'Wednesday, 10 May 2023, 15:30–17:00 (Madrid time,
    UTC+02:00)' in the active language; without ``end``, one instant. An unknown zone reads as UTC.
    ``capitalise=False`` keeps the weekday as the language writes it inside a sentence."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    start = start.astimezone(zone)
    day = formats.date_format(start, "l")
    times = f"{start:%H:%M}–{end.astimezone(zone):%H:%M}" if end is not None else f"{start:%H:%M}"
    zone_text = gettext("%(zone)s time, %(offset)s") % {
        "zone": zone_label(zone.key),
        "offset": format_utc_offset(start),
    }
    return "{day}, {date}, {times} ({zone})".format(
        day=capfirst(day) if capitalise else day,
        date=formats.date_format(start, "DATE_FORMAT"),
        times=times,
        zone=zone_text,
    )
