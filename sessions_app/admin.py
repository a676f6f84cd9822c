import zoneinfo

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from registrations import reports
from registrations.admin_seat_reservations import SeatReservationInline

from .models import GuidingQuestion, MethodologyStep, Objective, Session, ThematicFocus, WorkingGroup


@admin.register(ThematicFocus)
class ThematicFocusAdmin(TranslationAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(WorkingGroup)
class WorkingGroupAdmin(TranslationAdmin):
    list_display = ["outcome_code", "name", "programme"]
    search_fields = ["name", "outcome_code"]
    filter_horizontal = ["thematic_focuses"]
    prepopulated_fields = {"slug": ["outcome_code"]}


class ObjectiveInline(TranslationTabularInline):
    model = Objective
    extra = 0
    fields = ["order", "text"]


class MethodologyStepInline(TranslationTabularInline):
    model = MethodologyStep
    extra = 0
    fields = ["moment", "order", "text"]


class GuidingQuestionInline(TranslationTabularInline):
    model = GuidingQuestion
    extra = 0
    fields = ["order", "text"]


class AgendaItemInline(TranslationTabularInline):
    """Agenda items edited on the session page; their speakers and roles through the change link."""

    model = AgendaItem
    extra = 0
    fields = ["order", "parent", "kind", "title", "duration_minutes", "start_offset_minutes", "country"]
    show_change_link = True
    verbose_name_plural = _("agenda items (use “Change” on a saved item to edit its speakers and roles)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Only items of this session can hold another item.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = AgendaItem.objects.filter(session_id=_int_or_none(object_id))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _zone_or_none(name):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


@admin.register(Session)
class SessionAdmin(TranslationAdmin):
    list_display = ["__str__", "local_start", "status", "format"]
    list_filter = ["group", "status", ("starts_at", admin.DateFieldListFilter), "format"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title_en"]}
    filter_horizontal = ["thematic_focuses"]
    readonly_fields = ["computed_agenda", "registration_summary", "uid", "ics_sequence"]
    inlines = [ObjectiveInline, MethodologyStepInline, GuidingQuestionInline, AgendaItemInline, SeatReservationInline]
    fieldsets = [
        (None, {"fields": ["group", "number", "title", "slug", "status"]}),
        (
            _("When and where"),
            {
                "description": _(
                    "Start, registration opening and closing are entered and shown in the session's time zone."
                ),
                "fields": [
                    "time_zone",
                    "starts_at",
                    "duration_minutes",
                    "format",
                    "venue",
                    "join_url",
                    "languages",
                ],
            },
        ),
        (_("Registration"), {"fields": ["capacity", "registration_opens_at", "registration_closes_at"]}),
        (_("Registrations so far"), {"fields": ["registration_summary"]}),
        (
            _("Concept note"),
            {"fields": ["context", "main_outcome", "target_participants", "thematic_focuses"]},
        ),
        (_("Computed agenda"), {"fields": ["computed_agenda"]}),
        (_("Calendar file"), {"classes": ["collapse"], "fields": ["uid", "ics_sequence"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # Fields added to the model later (by other features) still appear, in a last section.
        listed = {name for _title, options in fieldsets for name in options["fields"]}
        form_fields = self.get_form(request, obj, fields=None).base_fields
        rest = [name for name in form_fields if name not in listed]
        if rest:
            fieldsets = [*fieldsets, (_("More"), {"fields": rest})]
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group")

    @admin.display(description=_("start (session time zone)"), ordering="starts_at")
    def local_start(self, obj):
        return f"{obj.starts_at.astimezone(obj.zone):%Y-%m-%d %H:%M} {obj.time_zone}"

    @admin.display(description=_("computed agenda"))
    def computed_agenda(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the session to see its agenda.")
        schedule = self._schedule(obj)
        zone = obj.zone
        rows = format_html_join(
            "",
            "<tr><td>{}–{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            (
                (
                    f"{slot.start.astimezone(zone):%H:%M}",
                    f"{slot.end.astimezone(zone):%H:%M}",
                    slot.item.get_kind_display(),
                    "— " * slot.depth,
                    slot.item.title,
                    slot.item.duration_minutes,
                )
                for slot in schedule.flat()
            ),
        )
        warnings = format_html_join("", '<li class="errornote">{}</li>', ((warning,) for warning in schedule.warnings))
        return format_html(
            '<p>{}</p><table class="computed-agenda">'
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            _("Times in %(zone)s; the session is announced from %(start)s to %(end)s.")
            % {
                "zone": obj.time_zone,
                "start": f"{obj.starts_at.astimezone(zone):%H:%M}",
                "end": f"{obj.ends_at.astimezone(zone):%H:%M}",
            },
            _("time"),
            _("kind"),
            _("title"),
            _("minutes"),
            rows,
            format_html('<ul class="agenda-warnings">{}</ul>', warnings) if schedule.warnings else "",
        )

    @admin.display(description=_("confirmed, waitlisted and cancelled, by country and by gender"))
    def registration_summary(self, obj):
        if obj is None or obj.pk is None:
            return _("Nobody can register before the session is saved.")
        return render_to_string(
            "admin/registrations/registration/includes/summary_tables.html",
            {"summary": reports.registration_summary(obj)},
        )

    def _schedule(self, session):
        items = list(AgendaItem.objects.filter(session=session))
        return compute_schedule(session, items)

    def _entry_zone(self, request, object_id):
        """The zone in which staff type and read the session's times on this form."""
        if request.method == "POST":
            zone = _zone_or_none(request.POST.get("time_zone"))
            if zone:
                return zone
        if object_id is not None:
            try:
                name = Session.objects.filter(pk=object_id).values_list("time_zone", flat=True).first()
            except (ValueError, ValidationError):
                name = None
            zone = _zone_or_none(name)
            if zone:
                return zone
        return _zone_or_none(Session._meta.get_field("time_zone").default)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django reads and shows form datetimes in the active zone: make it the session's, so
        # 10 May 2023 15:30 Europe/Madrid is typed as 15:30. Render inside, while it is active.
        with timezone.override(self._entry_zone(request, object_id)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            session = self.get_object(request, object_id)
            if session is not None:
                for warning in self._schedule(session).warnings:
                    messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # A new start goes through reschedule_session (issue 5): it raises the calendar SEQUENCE
        # and sends confirmed participants an update, so their calendars move the event.
        if change and "starts_at" in form.changed_data:
            from registrations.mailings import reschedule_session

            new_start = obj.starts_at
            obj.starts_at = Session.objects.only("starts_at").get(pk=obj.pk).starts_at
            super().save_model(request, obj, form, change)
            if reschedule_session(session=obj, starts_at=new_start) is not None:
                messages.info(request, _("The confirmed participants will receive the new time and calendar file."))
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        reservations_changed = any(
            formset.model is SeatReservationInline.model and formset.has_changed() for formset in formsets
        )
        if change and ("capacity" in form.changed_data or reservations_changed):
            # Seats added by a higher capacity (or fewer reserved seats) go to the waiting list at once,
            # in order, by e-mail.
            from registrations.seats import promote_from_waitlist

            promoted = promote_from_waitlist(session=form.instance)
            if promoted:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d person moved from the waiting list to confirmed.",
                        "%(count)d people moved from the waiting list to confirmed.",
                        len(promoted),
                    )
                    % {"count": len(promoted)},
                )
        # "Save and continue" lands on the change page, which shows the warnings itself.
        if "_continue" not in request.POST:
            for warning in self._schedule(form.instance).warnings:
                messages.warning(request, warning)

    def view_on_site(self, obj):
        return reverse("sessions_app:detail", kwargs={"slug": obj.slug})


# After the session (attendance, conclusions, roadmap, documents): kept in its own module.
from . import admin_documents  # noqa: E402,F401
