"""How many seats of a session are taken, by country and reservation, and who waits: the counts
that ``seats`` decides a seat from under the session's lock, and that pages show."""

from django.db.models import CharField, Count, Value

from common import pagecache
from common.pagecache import ProcessMemo
from registrations.models import Registration, SeatReservation
from registrations.rules import SEAT_STATUSES


def seats_taken(session):
    return Registration.objects.filter(session=session, status__in=SEAT_STATUSES).count()


RESERVED = "reserved"  # the rows of seat_counts' query that are reservations, not registrations


def seat_counts(session):
    """What decides a seat, in one round trip: ({country code: seats taken}, how many wait on the
    waiting list, {country code: seats reserved}). Registrations grouped by country and status,
    and the reservations, in one UNION ALL query."""
    registrations = (
        Registration.objects.filter(session=session, status__in=[*SEAT_STATUSES, Registration.Status.WAITLISTED])
        .values_list("country", "status")
        .order_by()
        .annotate(count=Count("pk"))
    )
    reservations = (
        SeatReservation.objects.filter(session=session)
        .annotate(kind=Value(RESERVED, output_field=CharField()))
        .values_list("country", "kind", "seats")
        .order_by()
    )
    taken, waiting, reserved = {}, 0, {}
    for country, status, count in registrations.union(reservations, all=True):
        if status == RESERVED:
            reserved[country] = count
        elif status == Registration.Status.WAITLISTED:
            waiting += count
        else:
            taken[country] = taken.get(country, 0) + count
    return taken, waiting, reserved


def can_take_seat(session, country, taken_by_country, reservations):
    """True when a person from ``country`` may take a seat now.

    With capacity C, reservations R_x and n_x seats taken by country x: the total taken is below C,
    and either the country still has reserved seats (n_y < R_y) or the unreserved pool has room
    (sum of max(0, n_x - R_x) below C - sum of R_x). Without reservations: the total is below C.
    """
    if session.capacity is None:
        return True
    if sum(taken_by_country.values()) >= session.capacity:
        return False
    if taken_by_country.get(country, 0) < reservations.get(country, 0):
        return True
    pool = session.capacity - sum(reservations.values())
    pool_taken = sum(max(0, taken - reservations.get(code, 0)) for code, taken in taken_by_country.items())
    return pool_taken < pool


def seats_left(session):
    """Free seats, or None when the session has no capacity limit."""
    if session.capacity is None:
        return None
    return max(0, session.capacity - seats_taken(session))


# The seats left of each session, as the register page shows them: kept per process until a seat
# is taken or freed (every such write bumps the page cache's "seats" generation: apps.py).
SEATS_LEFT = ProcessMemo(pagecache.SEATS)


def seats_left_shown(session):
    """``seats_left`` for a page: counted once per process and seat change, not once per visitor."""
    return SEATS_LEFT.get(lambda: seats_left(session), part=session.pk)


def waiting_list(session):
    """The session's waiting list, first come first served."""
    return Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
