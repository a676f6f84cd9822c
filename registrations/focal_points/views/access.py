"""Who may enter the focal-point area, and the objects of their country it may act on."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from registrations.focal_points.invitations import active_focal_point
from registrations.focal_points.times import focal_point_zone, session_times
from registrations.models import Institution
from sessions_app.models import Session


def focal_point_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        focal_point = active_focal_point(request.user)
        if focal_point is None:
            raise PermissionDenied(_("This area is for the countries' focal points."))
        request.focal_point = focal_point
        return view(request, *args, **kwargs)

    return wrapper


def institution_for_focal_point(request, pk):
    return get_object_or_404(Institution, pk=pk, country=request.focal_point.country)


def session_for_focal_point(slug):
    """A session the focal point may act on: public and not cancelled."""
    try:
        return (
            Session.objects.exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
            .select_related("group")
            .get(slug=slug)
        )
    except Session.DoesNotExist:
        raise Http404 from None


def times_for(request, session):
    return session_times(session, zone_name=focal_point_zone(request.focal_point))
