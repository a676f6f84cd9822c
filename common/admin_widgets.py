"""Admin widgets shared by the session and mailing forms, and the zone they are typed in."""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils import timezone
from django.utils.translation import gettext

from common.timezones import format_utc_offset, zone_label


class ZonedSplitDateTime(AdminSplitDateTime):
    """Django's date and time inputs with the zone they are typed in written beside them.

    The zone is the one active while the form renders: the session's on the session and mailing
    forms (their ``changeform_view`` activates it), so "15:30" reads "15:30, Madrid time". Django's
    own note ("You are 1 hour ahead of server time") compares the browser with that zone without
    naming it; the admin's stylesheet hides it, since this line says what it meant to say.
    """

    template_name = "admin/widgets/zoned_split_datetime.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        zone = timezone.get_current_timezone()
        moment = value if hasattr(value, "astimezone") and timezone.is_aware(value) else timezone.now()
        context["zone_note"] = gettext("%(zone)s time, %(offset)s") % {
            "zone": zone_label(getattr(zone, "key", str(zone))),
            "offset": format_utc_offset(moment.astimezone(zone)),
        }
        return context


class EntryZoneMixin:
    """A ModelAdmin whose change form reads and shows its dates and times in ``_entry_zone(request,
    object_id)`` (the session's), so 10 May 2023 15:30 Europe/Madrid is typed as 15:30: Django uses
    the active zone for form datetimes, so the page is built and rendered while it is active."""

    def _entry_zone(self, request, object_id):
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with timezone.override(self._entry_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response
