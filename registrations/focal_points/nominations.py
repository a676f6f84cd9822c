"""Nominating a country's people for a session, one by one or as a pasted list."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.timezones import zone_for_country
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.institutions import normalize_key
from registrations.models import (
    Registration,
    SeatReservation,
)
from registrations.notifications import send_private_link_after_nomination
from registrations.registering import find_registration, register_participant
from registrations.seats import SEAT_STATUSES, RegistrationError
from sessions_app.models import Session

MAX_BULK_ROWS = 500


# Once a session is held (or cancelled) its nominations and answers are closed, whatever the clock says.
CLOSED_STATUSES = [
    Session.Status.DRAFT,
    Session.Status.HELD,
    Session.Status.CONCLUSIONS_PUBLISHED,
    Session.Status.CANCELLED,
]


def is_closed_for_focal_points(session, *, now=None):
    """True once the session has started or is held or cancelled: no more nominations or answers."""
    return session.status in CLOSED_STATUSES or session.starts_at <= (now or timezone.now())


def nominable_sessions(*, now=None):
    """Public sessions that have not started yet and are not held or cancelled, soonest first."""
    now = now or timezone.now()
    return (
        Session.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(starts_at__gt=now)
        .select_related("group")
        .order_by("starts_at", "pk")
    )


def upcoming_sessions_for_country(*, country, now=None):
    """Upcoming sessions, each with ``country_registrations`` (not cancelled) counted, the country's
    ``reserved_seats`` (0 when none) and ``reserved_seats_used`` (seats its people hold, up to that number).
    """
    reserved = SeatReservation.objects.filter(session=OuterRef("pk"), country=country).values("seats")[:1]
    return nominable_sessions(now=now).annotate(
        country_registrations=Count(
            "registrations",
            filter=Q(registrations__country=country) & ~Q(registrations__status=Registration.Status.CANCELLED),
        ),
        reserved_seats=Coalesce(Subquery(reserved), 0, output_field=IntegerField()),
        reserved_seats_used=Least(
            Count(
                "registrations",
                filter=Q(registrations__country=country, registrations__status__in=SEAT_STATUSES),
            ),
            F("reserved_seats"),
            output_field=IntegerField(),
        ),
    )


def country_registrations(*, country):
    return Registration.objects.filter(country=country).select_related("session", "institution", "registered_by")


NOMINATIONS_CLOSED = gettext_lazy("This session has already started: nominations are closed.")


def nominate(*, session, focal_point, data):
    """Register one person for ``session`` on behalf of the focal point's country.

    ``data``: full_name, email, position, institution (of the country) and language. Returns the
    Registration (pending; the person gets the confirmation e-mail). For an address registered for
    the session outside the focal point's country it returns an unsaved Registration of what was
    typed, the same answer as for a fresh address, and the owner is mailed their own link (at most
    once a day). Raises the registration module's RegistrationError (closed...) or FocalPointError
    (the address is already on the country's own list).
    """
    if is_closed_for_focal_points(session):
        raise FocalPointError(str(NOMINATIONS_CLOSED))
    institution = data.get("institution")
    if institution is not None and institution.country != focal_point.country:
        raise FocalPointError(_("Choose an institution of your own country."))
    payload = {
        "full_name": data["full_name"],
        "email": data["email"],
        "position": data.get("position", ""),
        "institution": institution,
        "institution_name": institution.name if institution else "",
        "country": focal_point.country.code,
        "language": data.get("language") or "en",
        # The nominee's mail shows the session in their country's time, beside the session's own.
        "time_zone": data.get("time_zone") or zone_for_country(focal_point.country.code) or session.time_zone,
    }
    existing = find_registration(session=session, email=payload["email"])
    if existing is not None and existing.country == focal_point.country:
        raise FocalPointError(_("%(email)s is already registered for this session.") % {"email": payload["email"]})
    if existing is not None:
        # Registered through another country or by the person: the focal point gets the answer a
        # fresh address gets (what they typed, unsaved), so the form tells nobody who is registered.
        # The address's owner gets their private link again, at most once a day however often
        # anyone tries (a focal point re-sending their own nominee's link is another path).
        send_private_link_after_nomination(registration=existing)
        return Registration(session=session, **payload)
    with transaction.atomic():
        return register_participant(
            session=session,
            data=payload,
            source=Registration.Source.FOCAL_POINT,
            registered_by=focal_point.user,
        )


@dataclass
class RowResult:
    line: int
    values: dict
    errors: list = field(default_factory=list)
    cleaned: dict | None = None  # the row's data once NominationForm accepted it
    registration: Registration | None = None
    text: str = ""  # the row as it goes back into the box when it is not saved
    unknown_institution: str = ""  # the institution typed, when the register does not have it

    @property
    def ok(self):
        return self.registration is not None


BULK_COLUMNS = ("full_name", "email", "position", "institution")


HEADER_WORDS = {"name", "full name", "full_name", "nombre", "nome", "email", "e-mail", "correo"}


def detect_delimiter(text):
    """Tab, semicolon or comma: the one the first lines use."""
    sample = "\n".join(text.splitlines()[:5])
    if "\t" in sample:
        return "\t"
    if sample.count(";") > sample.count(","):
        return ";"
    return ","


def row_text(cells, delimiter):
    """One row written back as a line of the box, quoted where a cell needs it."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(cells)
    return buffer.getvalue()


def read_rows(text):
    """Split pasted text or a CSV file's text into ``(line number, cells)``: tab, semicolon or
    comma separated; a first line of column names is skipped. Raises FocalPointError."""
    delimiter = detect_delimiter(text)
    rows = []
    header_keys = {normalize_key(word) for word in HEADER_WORDS}
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        next_line = 1
        for cells in reader:
            # A quoted cell may span lines: report the line the row starts on, as an editor shows it.
            line_number, next_line = next_line, reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if not rows and line_number == 1 and normalize_key(cells[0]) in header_keys:
                continue
            rows.append((line_number, cells))
    except csv.Error:
        # For instance a cell longer than the csv module's limit: nothing is saved.
        raise FocalPointError(_("These rows could not be read as CSV; nothing was saved.")) from None
    return rows


def bulk_nominate(*, session, focal_point, results):
    """Nominate the person of each valid row (``RowResult.cleaned``, see ``forms.nomination_rows``).

    Each row is saved on its own: a good row is kept whatever happens to the others, a refused row
    saves nothing and says why on its RowResult. Returns ``results``.
    """
    if is_closed_for_focal_points(session):
        raise FocalPointError(str(NOMINATIONS_CLOSED))
    for result in results:
        if result.cleaned is None:
            continue
        try:
            with transaction.atomic():
                result.registration = nominate(session=session, focal_point=focal_point, data=result.cleaned)
        except (RegistrationError, FocalPointError) as error:
            result.errors.append(str(error))
    return results
