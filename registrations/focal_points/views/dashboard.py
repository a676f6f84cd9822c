"""The focal point's home: their country's institutions, sessions, register and answers."""

from django.shortcuts import render

from registrations.focal_points.answers import (
    country_contributions,
)
from registrations.focal_points.invitations import display_name
from registrations.focal_points.nominations import (
    country_registrations,
    upcoming_sessions_for_country,
)
from registrations.focal_points.times import focal_point_zone, session_times
from registrations.focal_points.views.access import (
    focal_point_required,
)
from registrations.models import Institution


@focal_point_required
def dashboard(request):
    country = request.focal_point.country
    zone_name = focal_point_zone(request.focal_point)
    sessions = list(upcoming_sessions_for_country(country=country))
    for session in sessions:
        session.times = session_times(session, zone_name=zone_name)
    context = {
        "focal_point": request.focal_point,
        "display_name": display_name(request.user),
        "zone_name": zone_name,
        "institutions": Institution.objects.filter(country=country).order_by("name"),
        "sessions": sessions,
        "registrations": country_registrations(country=country).order_by("-created_at")[:20],
        "contributions": country_contributions(country=country),
    }
    return render(request, "focal_points/dashboard.html", context)
