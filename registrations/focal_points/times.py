"""Times as a focal point reads them: in their country's zone, beside the session's own."""

from dataclasses import dataclass

from django.conf import settings

from common.timezones import format_when, zone_for_country


def focal_point_zone(focal_point):
    """The IANA zone of the focal point's country (its capital's), else the portal's."""
    return zone_for_country(focal_point.country.code) or settings.TIME_ZONE


@dataclass(frozen=True)
class Times:
    local: str  # in the focal point's zone
    session: str  # in the session's zone; "" when it is the same zone


def session_times(session, *, zone_name):
    """When ``session`` takes place, as the rest of the portal writes it, in ``zone_name`` and,
    beside it, in the session's own zone."""
    local = format_when(session.starts_at, session.ends_at, zone_name)
    same = session.zone.key == zone_name
    return Times(
        local=local, session="" if same else format_when(session.starts_at, session.ends_at, session.time_zone)
    )


def moment_times(moment, *, zone_name, session):
    """An instant (a submission) in the focal point's zone and in the session's."""
    same = session.zone.key == zone_name
    return Times(
        local=format_when(moment, None, zone_name), session="" if same else format_when(moment, None, session.time_zone)
    )
