"""Attendance recorded from the video platform's report (read by ``attendance_report``).

``import_attendance`` matches the report's rows to the session's registrations by e-mail,
case-insensitively; a person who left and rejoined has their intervals merged (overlaps counted
once), and their minutes set, so importing the same file twice gives the same result. Rows that
match nobody can become registrations in one step (``register_walk_ins``).
"""

from dataclasses import dataclass, field

from django.db import transaction

from registrations.models import Registration
from sessions_app.languages import language_for_country
from sessions_app.outcomes.attendance_report import parse_attendance_csv


@dataclass
class Unmatched:
    email: str
    name: str
    minutes: int
    lines: list


@dataclass
class AttendanceResult:
    matched: list = field(default_factory=list)  # (registration, minutes)
    unmatched: list = field(default_factory=list)  # Unmatched
    malformed: list = field(default_factory=list)  # MalformedRow
    skipped: list = field(default_factory=list)  # SkippedRow: the platform's header block, "did not attend"
    merged: list = field(default_factory=list)  # (email, number of rows merged into one attendee)


def _total_minutes(rows):
    """Merge the intervals when every row has them (two devices at once count once); else add up."""
    if all(row.joined and row.left for row in rows):
        intervals = sorted((row.joined, row.left) for row in rows)
        total = 0.0
        current_start, current_end = intervals[0]
        for start, end in intervals[1:]:
            if start <= current_end:
                current_end = max(current_end, end)
            else:
                total += (current_end - current_start).total_seconds()
                current_start, current_end = start, end
        total += (current_end - current_start).total_seconds()
        return round(total / 60)
    return sum(row.minutes or 0 for row in rows)


def import_attendance(*, session, data):
    """Mark the session's registrations found in the report as attended, with their minutes.

    Writes status ``attended`` and ``attended_minutes`` on matched registrations (any status:
    someone who joined attended). Raises AttendanceFileError when the file cannot be read.
    Returns matched, unmatched (for staff to resolve) and malformed rows.
    """
    report = parse_attendance_csv(data)
    by_email = {}
    for row in report.rows:
        by_email.setdefault(row.email, []).append(row)
    result = AttendanceResult(malformed=report.malformed, skipped=report.skipped)
    result.merged = sorted((email, len(rows)) for email, rows in by_email.items() if len(rows) > 1)
    with transaction.atomic():
        registrations = {
            registration.email.lower(): registration
            for registration in Registration.objects.select_for_update().filter(session=session)
        }
        for email, rows in by_email.items():
            minutes = _total_minutes(rows)
            registration = registrations.get(email)
            if registration is None:
                name = next((row.name for row in rows if row.name), "")
                result.unmatched.append(Unmatched(email, name, minutes, [row.line for row in rows]))
                continue
            registration.status = Registration.Status.ATTENDED
            registration.attended_minutes = minutes
            registration.save(update_fields=["status", "attended_minutes", "updated_at"])
            result.matched.append((registration, minutes))
    result.matched.sort(key=lambda pair: pair[0].full_name.lower())
    return result


def set_attendance(*, session, attended_ids, minutes_by_id=None):
    """Staff ticks: the ticked registrations attended, the unticked former attendees back to confirmed."""
    minutes_by_id = minutes_by_id or {}
    with transaction.atomic():
        registrations = Registration.objects.select_for_update().filter(session=session)
        for registration in registrations:
            if registration.pk in attended_ids:
                registration.status = Registration.Status.ATTENDED
                if registration.pk in minutes_by_id:
                    registration.attended_minutes = minutes_by_id[registration.pk]
            elif registration.status == Registration.Status.ATTENDED:
                registration.status = Registration.Status.CONFIRMED
                registration.attended_minutes = None
            else:
                continue
            registration.save(update_fields=["status", "attended_minutes", "updated_at"])


@dataclass
class WalkIn:
    """Someone in the report who never registered, as staff confirm them: name, address, country."""

    email: str
    full_name: str
    country: str
    minutes: int | None


def register_walk_ins(*, session, walk_ins, added_by):
    """Registrations, already attended, for people who joined without registering.

    Each is recorded as added by staff (``source`` staff, ``registered_by`` the staff member), in the
    language of their country, with the consent fields blank: they never accepted the privacy
    notice. An address registered meanwhile is left as it is. Returns the registrations created.
    """
    created = []
    with transaction.atomic():
        taken = {
            email.lower()
            for email in Registration.objects.select_for_update()
            .filter(session=session)
            .values_list("email", flat=True)
        }
        for walk_in in walk_ins:
            email = walk_in.email.strip().lower()
            if email in taken:
                continue
            taken.add(email)
            created.append(
                Registration.objects.create(
                    session=session,
                    email=email,
                    full_name=walk_in.full_name.strip(),
                    country=walk_in.country,
                    language=language_for_country(walk_in.country),
                    time_zone=session.time_zone,
                    status=Registration.Status.ATTENDED,
                    attended_minutes=walk_in.minutes,
                    source=Registration.Source.STAFF,
                    registered_by=added_by,
                )
            )
    return created
