"""The session's admin page, and the admin for after the session: attendance, conclusions, roadmap, documents.

The Session admin lives here, not in ``sessions_app/admin.py``: its page shows registrations by
country, the seat reservations and the "Attendance…" and "Publish conclusions" actions, which the
session core may not import. The attendance page is a URL of the Conclusions admin
(/admin/sessions_app/conclusions/attendance/<session id>/).
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from registrations import reports
from registrations.admin import SeatReservationInline
from registrations.attendance import AttendanceFileError, import_attendance, set_attendance
from registrations.mail.mailings import save_session
from registrations.models import Registration
from registrations.seats import promote_from_waitlist
from sessions_app.admin import AgendaItemInline, GuidingQuestionInline, MethodologyStepInline, ObjectiveInline

from ..models import Conclusions, Document, RoadmapItem, Session
from .conclusions import sanitize_rich_text
from .publishing import publish_conclusions

MAX_ATTENDANCE_FILE_BYTES = 2_000_000


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance report (CSV)"),
        help_text=_("The video platform's attendance export: name, e-mail, join and leave times, minutes."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ATTENDANCE_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload.read()


class ConclusionsAdminForm(forms.ModelForm):
    class Meta:
        model = Conclusions
        fields = ["session", "body", "is_public"]

    def clean(self):
        cleaned = super().clean()
        # Sanitised here (and by write_conclusions), not in save(): what is stored is always clean.
        for name in list(cleaned):
            if name == "body" or name.startswith("body_"):
                cleaned[name] = sanitize_rich_text(cleaned[name] or "")
        return cleaned


@admin.register(Conclusions)
class ConclusionsAdmin(TranslationAdmin):
    form = ConclusionsAdminForm
    list_display = ["session", "is_public", "published_at", "updated_at"]
    list_select_related = ["session__group"]
    readonly_fields = ["published_at"]
    actions = ["publish"]

    @admin.action(description=_("Publish the conclusions, render the PDFs and announce them"))
    def publish(self, request, queryset):
        for conclusions in queryset.select_related("session"):
            publish_conclusions(session=conclusions.session)
        messages.success(
            request,
            _("Published; the PDFs are being rendered and the announcement will follow."),
        )

    def get_urls(self):
        return [
            path(
                "attendance/<int:session_pk>/",
                self.admin_site.admin_view(self.attendance_view),
                name="sessions_app_attendance",
            ),
            *super().get_urls(),
        ]

    def attendance_view(self, request, session_pk):
        """Upload the attendance report, see matched/unmatched/malformed rows, tick attendance."""
        if not request.user.has_perm("registrations.change_registration"):
            raise PermissionDenied
        session = Session.objects.select_related("group").filter(pk=session_pk).first()
        if session is None:
            raise Http404
        result = None
        form = AttendanceUploadForm()
        if request.method == "POST" and "upload" in request.POST:
            form = AttendanceUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = import_attendance(session=session, data=form.cleaned_data["file"])
                except AttendanceFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d registration marked as attended.",
                            "%(count)d registrations marked as attended.",
                            len(result.matched),
                        )
                        % {"count": len(result.matched)},
                    )
        elif request.method == "POST" and "tick" in request.POST:
            ids = {int(value) for value in request.POST.getlist("attended") if value.isdigit()}
            minutes = {}
            for key, value in request.POST.items():
                if key.startswith("minutes-") and key[8:].isdigit() and value.strip().isdigit():
                    minutes[int(key[8:])] = min(int(value), 24 * 60)
            with transaction.atomic():
                set_attendance(session=session, attended_ids=ids, minutes_by_id=minutes)
            messages.success(request, _("Attendance saved."))
            return HttpResponseRedirect(request.path)
        registrations = Registration.objects.filter(session=session).exclude(status=Registration.Status.CANCELLED)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Attendance: %(session)s") % {"session": session},
            "session": session,
            "form": form,
            "result": result,
            "registrations": registrations.order_by("full_name"),
            "opts": Session._meta,
        }
        return render(request, "admin/sessions_app/attendance.html", context)


@admin.register(RoadmapItem)
class RoadmapItemAdmin(TranslationAdmin):
    list_display = ["title", "group", "owner_kind", "period", "due_date", "status", "follow_up_session", "order"]
    list_filter = ["group", "status", "owner_kind"]
    list_editable = ["status", "order"]
    list_select_related = ["group", "follow_up_session__group"]
    search_fields = ["title", "description"]
    raw_id_fields = ["owner_institution"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["session", "kind", "language", "version", "registration", "is_public", "size", "created_at"]
    list_filter = ["kind", "language", "is_public", "session"]
    list_select_related = ["session__group", "registration"]
    readonly_fields = [field.name for field in Document._meta.fields]

    def has_add_permission(self, request):
        return False  # documents are rendered by the task, never uploaded by hand

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Attendance (import the report, tick who attended)"))
def open_attendance(modeladmin, request, queryset):
    session = queryset.first()
    if queryset.count() != 1 or session is None:
        modeladmin.message_user(request, _("Select exactly one session."), messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("admin:sessions_app_attendance", kwargs={"session_pk": session.pk}))


@admin.action(description=_("Publish conclusions (render the PDFs and announce them)"))
def publish_session_conclusions(modeladmin, request, queryset):
    for session in queryset:
        try:
            publish_conclusions(session=session)
        except Conclusions.DoesNotExist:
            modeladmin.message_user(
                request, _("“%(session)s” has no conclusions yet.") % {"session": session}, messages.ERROR
            )
        else:
            modeladmin.message_user(request, _("“%(session)s”: conclusions published.") % {"session": session})


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
    actions = [open_attendance, publish_session_conclusions]
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
        if not change:
            super().save_model(request, obj, form, change)
            return
        # A new start raises the calendar SEQUENCE and sends confirmed participants an update.
        if save_session(session=obj) is not None:
            messages.info(request, _("The confirmed participants will receive the new time and calendar file."))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        reservations_changed = any(
            formset.model is SeatReservationInline.model and formset.has_changed() for formset in formsets
        )
        if change and ("capacity" in form.changed_data or reservations_changed):
            # Seats added by a higher capacity (or fewer reserved seats) go to the waiting list at once,
            # in order, by e-mail.
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
