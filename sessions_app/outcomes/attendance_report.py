"""Reading the video platform's attendance report (a Zoom webinar/meeting export and the like).

``parse_attendance_csv`` reads the file: UTF-8 with or without BOM, UTF-16 with BOM (Excel's
"Unicode text") or Windows-1252, comma, semicolon or tab separated, with preamble lines and several
sections (host, panelists, attendees) each with its own header row. It finds the columns by their
names, so "User Email", "Email", "E-mail" or "Correo electrónico" all work. What it makes of the
rows is recorded by ``sessions_app.outcomes.attendance``.
"""

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_ROWS = 20_000
DELIMITERS = ",;\t"
# The delimiter is told from at most this much of the start of the file.
SNIFF_SAMPLE_CHARS = 64 * 1024
SNIFF_SAMPLE_LINES = 50
MAX_COLUMNS = 200

EMAIL_HEADERS = {"email", "e-mail", "user email", "email address", "correo", "correo electronico", "attendee email"}
NAME_HEADERS = {"name", "name (original name)", "user name (original name)", "user name", "nombre", "full name"}
FIRST_NAME_HEADERS = {"first name", "nombre de pila"}
LAST_NAME_HEADERS = {"last name", "apellido", "apellidos"}
JOIN_HEADERS = {"join time", "hora de entrada", "join", "joined", "hora de union"}
LEAVE_HEADERS = {"leave time", "hora de salida", "leave", "left"}
DURATION_HEADERS = {
    "duration (minutes)",
    "duration",
    "duration minutes",
    "time in session (minutes)",
    "minutes",
    "duracion (minutos)",
    "duracion",
    "tiempo en la sesion (minutos)",
}
ATTENDED_HEADERS = {"attended", "asistio"}
# Columns of the platform's header block (Zoom's meeting summary: ID, topic, host e-mail, duration,
# participant count). Its one data row describes the meeting and its host, not an attendee.
SUMMARY_HEADERS = {
    "meeting id",
    "webinar id",
    "topic",
    "participants",
    "id de reunion",
    "tema",
    "participantes",
    "id da reuniao",
    "topico",
}

TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %H:%M:%S",
)


@dataclass
class AttendanceRow:
    line: int
    email: str
    name: str
    minutes: int | None
    joined: datetime | None = None
    left: datetime | None = None


@dataclass
class MalformedRow:
    line: int
    reason: str
    text: str


@dataclass
class SkippedRow:
    line: int
    reason: str
    text: str


@dataclass
class ParsedReport:
    rows: list = field(default_factory=list)
    malformed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


class AttendanceFileError(ValueError):
    """The file cannot be read as an attendance report at all."""


def _normalise(header):
    header = unicodedata.normalize("NFKD", header.strip().lstrip("\ufeff")).encode("ascii", "ignore").decode()
    return " ".join(header.lower().replace("_", " ").split())


def _decode(data):
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    # Excel's "Unicode text" export is UTF-16 (little-endian) with a BOM; cp1252 would "read" it as
    # text full of NULs. The "utf-16" codec reads the BOM, either byte order, and drops it; a cut-off
    # last byte becomes U+FFFD and that row is reported, like any other unreadable row.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(text):
    """The separator of the report, from a bounded sample read in linear time.

    The separator under which a line of the sample reads as our header row wins; failing that, the
    one that occurs most often. (``csv.Sniffer`` is quadratic on quote-heavy text: 20 KB of it took
    seconds, 1.6 MB would tie a worker up for good.)
    """
    sample = text[:SNIFF_SAMPLE_CHARS]
    for delimiter in DELIMITERS:
        rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            for _line, cells in zip(range(SNIFF_SAMPLE_LINES), rows, strict=False):
                if _header_map(cells):
                    return delimiter
        except csv.Error:
            continue
    counts = {delimiter: sample.count(delimiter) for delimiter in DELIMITERS}
    return max(counts, key=counts.get)


def _header_map(cells):
    """Column indexes by meaning, if ``cells`` is a header row (it names an e-mail column)."""
    if len(cells) > MAX_COLUMNS:
        return None  # no platform's report has that many columns; not worth normalising each
    names = [_normalise(cell) for cell in cells]
    columns = {}
    for index, name in enumerate(names):
        for key, options in (
            ("email", EMAIL_HEADERS),
            ("name", NAME_HEADERS),
            ("first_name", FIRST_NAME_HEADERS),
            ("last_name", LAST_NAME_HEADERS),
            ("join", JOIN_HEADERS),
            ("leave", LEAVE_HEADERS),
            ("duration", DURATION_HEADERS),
            ("attended", ATTENDED_HEADERS),
        ):
            if name in options and key not in columns:
                columns[key] = index
    if "email" in columns and ("duration" in columns or {"join", "leave"} <= columns.keys()):
        return columns
    return None


def _parse_time(value):
    value = value.strip()
    for time_format in TIME_FORMATS:
        try:
            return datetime.strptime(value, time_format)  # the report's own local time
        except ValueError:
            continue
    return None


def _parse_minutes(value):
    value = value.strip().replace(",", ".")
    if not value:
        return None
    minutes = float(value)
    if minutes < 0 or minutes > 24 * 60:
        raise ValueError(value)
    return round(minutes)


def _is_summary_header(cells):
    return any(_normalise(cell) in SUMMARY_HEADERS for cell in cells)


def parse_attendance_csv(data):
    """Rows with an e-mail and minutes, the rows that could not be read (with the reason), and the
    rows skipped on purpose (the platform's meeting summary and its host, people who never joined)."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    report = ParsedReport()
    columns = None
    in_summary = False
    try:
        for line, cells in enumerate(reader, start=1):
            if line > MAX_ROWS:
                raise AttendanceFileError(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
            if not any(cell.strip() for cell in cells):
                continue
            if _is_summary_header(cells):
                in_summary = True  # the meeting's own line follows, until the participants' header
                continue
            header = _header_map(cells)
            if header:
                columns, in_summary = header, False
                continue
            if len([cell for cell in cells if cell.strip()]) == 1:
                in_summary = False
                continue  # a section title such as "Attendee Details"
            if in_summary:
                summary = ",".join(cells)[:200]
                report.skipped.append(SkippedRow(line, _("Meeting summary (the meeting and its host)."), summary))
                continue
            if columns is None:
                continue  # preamble
            row = _parse_row(line, cells, columns, report)
            if row is not None:
                report.rows.append(row)
    except csv.Error as exc:
        raise AttendanceFileError(_("The file is not a readable CSV file: %(error)s") % {"error": exc}) from None
    if columns is None:
        raise AttendanceFileError(
            _("No header row with an e-mail column and a duration (or join and leave times) was found.")
        )
    return report


def _cell(cells, columns, key):
    index = columns.get(key)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _parse_row(line, cells, columns, report):
    raw = ",".join(cells)[:200]
    if len(cells) <= max(columns.values()):
        report.malformed.append(MalformedRow(line, _("Too few columns."), raw))
        return None
    if _normalise(_cell(cells, columns, "attended")) in {"no", "false"}:
        report.skipped.append(SkippedRow(line, _("Registered on the platform but never joined."), raw))
        return None
    email = _cell(cells, columns, "email").lower()
    try:
        validate_email(email)
    except ValidationError:
        report.malformed.append(MalformedRow(line, _("No valid e-mail address."), raw))
        return None
    name = _cell(cells, columns, "name") or " ".join(
        part for part in (_cell(cells, columns, "first_name"), _cell(cells, columns, "last_name")) if part
    )
    joined = _parse_time(_cell(cells, columns, "join")) if "join" in columns else None
    left = _parse_time(_cell(cells, columns, "leave")) if "leave" in columns else None
    try:
        minutes = _parse_minutes(_cell(cells, columns, "duration")) if "duration" in columns else None
    except ValueError:
        report.malformed.append(MalformedRow(line, _("The duration is not a number of minutes."), raw))
        return None
    if joined and left and left < joined:
        report.malformed.append(MalformedRow(line, _("The leave time is before the join time."), raw))
        return None
    if minutes is None and not (joined and left):
        report.malformed.append(MalformedRow(line, _("Neither a duration nor join and leave times."), raw))
        return None
    return AttendanceRow(line=line, email=email, name=name, minutes=minutes, joined=joined, left=left)
