"""The session's admin page, and the admin for after the session: attendance, conclusions, roadmap, documents.

The Session admin lives here, not in ``sessions_app/admin.py``: its page shows registrations by
country, the seat reservations and the "Attendance…" and "Publish conclusions" actions, which the
session core may not import. The attendance page is a URL of the Conclusions admin
(/admin/sessions_app/conclusions/attendance/<session id>/).
"""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from modeltranslation.admin import TabbedTranslationAdmin

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from registrations import figures, notifications, reports
from registrations.admin import SeatReservationInline
from registrations.attendance import (
    AttendanceFileError,
    WalkIn,
    import_attendance,
    register_walk_ins,
    set_attendance,
)
from registrations.mail.mailings import save_session
from registrations.models import Registration
from registrations.seats import promote_from_waitlist, seats_left, waiting_list
from sessions_app.admin import AgendaItemInline, GuidingQuestionInline, MethodologyStepInline, ObjectiveInline
from sessions_app.admin_widgets import ZonedSplitDateTime
from sessions_app.completeness import missing_before_public, missing_translations

from ..models import Conclusions, Document, Publication, RoadmapItem, Session
from . import publishing
from .certificates import certificate_refusal
from .conclusions import sanitize_rich_text

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


class WalkInForm(forms.Form):
    """One row of the report that matches nobody, to become a registration (a walk-in)."""

    add = forms.BooleanField(required=False, initial=True, label=_("Register"))
    email = forms.EmailField(label=_("E-mail"), widget=forms.HiddenInput)
    full_name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    minutes = forms.IntegerField(min_value=0, max_value=24 * 60, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "---------"), *countries]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("add") and not cleaned.get("country"):
            self.add_error("country", _("Choose the person's country to register them."))
        return cleaned


WalkInFormSet = forms.formset_factory(WalkInForm, extra=0, max_num=2000)


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
class ConclusionsAdmin(TabbedTranslationAdmin):
    form = ConclusionsAdminForm
    list_display = ["session", "is_public", "published_at", "updated_at"]
    list_select_related = ["session__group"]
    readonly_fields = ["published_at"]
    actions = ["publish"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 18, "cols": 90})}}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name, field in form.base_fields.items():
            if name.startswith("body"):
                field.help_text = _(
                    "Plain text is fine: a blank line starts a paragraph, lines starting with “1.” or “-” "
                    "make a numbered or bulleted list, *text* is emphasis and **text** is bold."
                )
        return form

    @admin.action(description=_("Publish the conclusions… (preview and confirm)"))
    def publish(self, request, queryset):
        conclusions = queryset.select_related("session").first()
        if queryset.count() != 1 or conclusions is None:
            self.message_user(request, _("Select exactly one session."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:sessions_app_session_publish", args=[conclusions.session_id]))

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
        walk_in_formset = None
        form = AttendanceUploadForm()
        if request.method == "POST" and "walk_ins" in request.POST:
            walk_in_formset = WalkInFormSet(request.POST, prefix="walkin")
            if walk_in_formset.is_valid():
                created = register_walk_ins(
                    session=session,
                    walk_ins=[
                        WalkIn(
                            email=row["email"],
                            full_name=row["full_name"],
                            country=row["country"],
                            minutes=row.get("minutes"),
                        )
                        for row in walk_in_formset.cleaned_data
                        if row.get("add")
                    ],
                    added_by=request.user,
                )
                refused = sum(1 for registration in created if certificate_refusal(registration=registration))
                messages.success(
                    request,
                    ngettext(
                        "%(count)d person who joined without registering is now registered as attended.",
                        "%(count)d people who joined without registering are now registered as attended.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
                if refused:
                    messages.warning(
                        request,
                        ngettext(
                            "%(count)d of them attended less than the minimum and gets no certificate.",
                            "%(count)d of them attended less than the minimum and get no certificate.",
                            refused,
                        )
                        % {"count": refused},
                    )
                return HttpResponseRedirect(request.path)
        elif request.method == "POST" and "upload" in request.POST:
            form = AttendanceUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = import_attendance(session=session, data=form.cleaned_data["file"])
                except AttendanceFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    walk_in_formset = WalkInFormSet(
                        prefix="walkin",
                        initial=[
                            {
                                "email": row.email,
                                "full_name": row.name or row.email,
                                "minutes": row.minutes,
                                "add": True,
                            }
                            for row in result.unmatched
                        ],
                    )
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
        registrations = list(
            Registration.objects.filter(session=session)
            .exclude(status=Registration.Status.CANCELLED)
            .select_related("session")
            .order_by("full_name")
        )
        for registration in registrations:
            # Why someone ticked as attended gets no certificate (below the session's minimum).
            registration.certificate_note = (
                certificate_refusal(registration=registration)
                if registration.status == Registration.Status.ATTENDED
                else ""
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Attendance: %(session)s") % {"session": session},
            "session": session,
            "form": form,
            "walk_in_formset": walk_in_formset,
            "result": result,
            "registrations": registrations,
            "opts": Session._meta,
        }
        return render(request, "admin/sessions_app/attendance.html", context)


class RoadmapItemAdminForm(forms.ModelForm):
    """The owner must match its kind: a country for "a country", an institution for "an institution"."""

    class Meta:
        model = RoadmapItem
        fields = [
            "group",
            "title",
            "description",
            "owner_kind",
            "owner_country",
            "owner_institution",
            "period",
            "due_date",
            "status",
            "follow_up_session",
            "order",
        ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("owner_kind")
        country, institution = cleaned.get("owner_country"), cleaned.get("owner_institution")
        if kind == RoadmapItem.Owner.COUNTRY:
            if not country:
                self.add_error("owner_country", _("Choose the country that owns this action."))
            if institution:
                self.add_error("owner_institution", _("Leave the institution blank when a country owns the action."))
        elif kind == RoadmapItem.Owner.INSTITUTION:
            if not institution:
                self.add_error("owner_institution", _("Choose the institution that owns this action."))
            if country:
                self.add_error("owner_country", _("Leave the country blank when an institution owns the action."))
        elif kind == RoadmapItem.Owner.PROGRAMME:
            if country:
                self.add_error("owner_country", _("Leave the country blank when the programme owns the action."))
            if institution:
                self.add_error(
                    "owner_institution", _("Leave the institution blank when the programme owns the action.")
                )
        return cleaned


@admin.register(RoadmapItem)
class RoadmapItemAdmin(TabbedTranslationAdmin):
    form = RoadmapItemAdminForm
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


@admin.action(description=_("Publish conclusions… (preview, choose whether to announce, confirm)"))
def publish_session_conclusions(modeladmin, request, queryset):
    session = queryset.first()
    if queryset.count() != 1 or session is None:
        modeladmin.message_user(request, _("Select exactly one session."), messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("admin:sessions_app_session_publish", args=[session.pk]))


def _zone_or_none(name):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


class SessionAdminForm(forms.ModelForm):
    """Field errors, in the staff's language, for what the database constraints would refuse."""

    class Meta:
        model = Session
        fields = [
            "group",
            "number",
            "title",
            "slug",
            "status",
            "time_zone",
            "starts_at",
            "duration_minutes",
            "format",
            "venue",
            "join_url",
            "languages",
            "context",
            "main_outcome",
            "target_participants",
            "thematic_focuses",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "reminder_offsets_minutes",
            "certificate_min_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "certificate_min_percent" in self.fields:
            self.fields["certificate_min_percent"].required = False  # blank: no minimum

    def clean_certificate_min_percent(self):
        return self.cleaned_data.get("certificate_min_percent") or 0

    def clean(self):
        cleaned = super().clean()
        group, number = cleaned.get("group"), cleaned.get("number")
        if group is not None and number is not None:
            taken = Session.objects.filter(group=group, number=number).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "number",
                    _("This working group already has a session number %(number)s.") % {"number": number},
                )
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return cleaned


class FiguresFilterForm(forms.Form):
    session = forms.ModelChoiceField(
        queryset=Session.objects.select_related("group").order_by("starts_at"), required=False, label=_("Session")
    )
    date_from = forms.DateField(
        required=False, label=_("Sessions from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


class PublishForm(forms.Form):
    ANNOUNCE, UPDATE = "announce", "update"
    mode = forms.ChoiceField(widget=forms.RadioSelect, label=_("What should happen"))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        count = plan.recipient_count
        announce_label = (
            ngettext(
                "Publish and announce: e-mail %(count)d registrant that the conclusions are available",
                "Publish and announce: e-mail %(count)d registrants that the conclusions are available",
                count,
            )
            if plan.is_first
            else ngettext(
                "Announce again: e-mail all %(count)d registrant once more",
                "Announce again: e-mail all %(count)d registrants once more",
                count,
            )
        ) % {"count": count}
        update_label = (
            _("Publish without announcing: render the documents, e-mail nobody")
            if plan.is_first
            else _("Update the documents only: render what changed, e-mail nobody")
        )
        self.fields["mode"].choices = [(self.UPDATE, update_label), (self.ANNOUNCE, announce_label)]
        # The safe choice is pre-selected once people have been told.
        self.fields["mode"].initial = self.ANNOUNCE if plan.is_first else self.UPDATE


@admin.register(Session)
class SessionAdmin(TabbedTranslationAdmin):
    form = SessionAdminForm
    list_display = ["__str__", "local_start", "status", "format"]
    list_filter = ["group", "status", ("starts_at", admin.DateFieldListFilter), "format"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title_en"]}
    filter_horizontal = ["thematic_focuses"]
    readonly_fields = ["computed_agenda", "registration_summary", "translation_status", "uid", "ics_sequence"]
    # In the order of the concept note: objectives, methodology, guiding questions, agenda; then seats.
    inlines = [ObjectiveInline, MethodologyStepInline, GuidingQuestionInline, AgendaItemInline, SeatReservationInline]
    actions = [open_attendance, publish_session_conclusions]
    change_form_template = "admin/sessions_app/session/change_form.html"
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 5, "cols": 80})},
        # Each date and time says the zone it is typed in (the session's, see changeform_view).
        models.DateTimeField: {"widget": ZonedSplitDateTime},
    }
    # The sections of the concept note: the session, when and where, context, outcome, who takes part.
    fieldsets = [
        (_("Session"), {"fields": ["group", "number", "title", "slug", "status"]}),
        (
            _("Date, time and format"),
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
        (_("Context"), {"fields": ["context"]}),
        (_("Main outcome"), {"fields": ["main_outcome"]}),
        (_("Participants and thematic focuses"), {"fields": ["target_participants", "thematic_focuses"]}),
        (
            _("Registration"),
            {"fields": ["capacity", "registration_opens_at", "registration_closes_at", "reminder_offsets_minutes"]},
        ),
        (_("Certificates"), {"fields": ["certificate_min_percent"]}),
        (_("Translations"), {"fields": ["translation_status"]}),
        (_("Registrations so far"), {"fields": ["registration_summary"]}),
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

    @admin.display(description=_("missing translations"))
    def translation_status(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the session to see which texts still lack Spanish or Portuguese.")
        return render_to_string(
            "admin/sessions_app/includes/translation_gaps.html", {"gaps": missing_translations(obj)}
        )

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
        session = form.instance
        # Checked once the inlines are saved: objectives, questions and agenda come with the form.
        if session.is_public and form.initial.get("status", Session.Status.DRAFT) == Session.Status.DRAFT:
            missing = missing_before_public(session)
            if missing:
                Session.objects.filter(pk=session.pk).update(status=Session.Status.DRAFT)
                session.status = Session.Status.DRAFT
                messages.error(
                    request,
                    _(
                        "The session stays a draft until it has %(missing)s. Everything else was saved: "
                        "add them and open it again."
                    )
                    % {"missing": ", ".join(missing)},
                )
        reservations_changed = any(
            formset.model is SeatReservationInline.model and formset.has_changed() for formset in formsets
        )
        if change and ("capacity" in form.changed_data or reservations_changed):
            # Seats freed by a higher capacity (or fewer reserved seats) go to the waiting list only
            # once staff have seen who gets which e-mail (the promotion page).
            waiting = waiting_list(form.instance).count()
            free = seats_left(form.instance)
            if waiting and (free is None or free > 0):
                messages.warning(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Seats are free and people are waiting."),
                        reverse("admin:sessions_app_session_promote", args=[form.instance.pk]),
                        _("Review the e-mail and move them from the waiting list…"),
                    ),
                )
        # "Save and continue" lands on the change page, which shows the warnings itself.
        if "_continue" not in request.POST:
            for warning in self._schedule(form.instance).warnings:
                messages.warning(request, warning)

    def view_on_site(self, obj):
        return reverse("sessions_app:detail", kwargs={"slug": obj.slug})

    # ── Publishing the conclusions: confirm, then watch the background work ──────────────────

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("figures/", view(self.figures_view), name="sessions_app_session_figures"),
            path("<int:pk>/publish/", view(self.publish_view), name="sessions_app_session_publish"),
            path("<int:pk>/promote/", view(self.promote_view), name="sessions_app_session_promote"),
            path(
                "publication/<int:pk>/",
                view(self.publication_view),
                name="sessions_app_session_publication",
            ),
            *super().get_urls(),
        ]

    def _session_for(self, request, pk):
        session = Session.objects.select_related("group").filter(pk=pk).first()
        if session is None:
            raise Http404
        if not self.has_change_permission(request, session):
            raise PermissionDenied
        return session

    def promote_view(self, request, pk):
        """Confirm, then give the free seats to the waiting list in order (each promoted person is e-mailed)."""
        session = self._session_for(request, pk)
        if request.method == "POST" and request.POST.get("confirmed") == "yes":
            promoted = promote_from_waitlist(session=session)
            messages.info(
                request,
                ngettext(
                    "%(count)d person moved from the waiting list to confirmed.",
                    "%(count)d people moved from the waiting list to confirmed.",
                    len(promoted),
                )
                % {"count": len(promoted)},
            )
            return HttpResponseRedirect(reverse("admin:sessions_app_session_change", args=[session.pk]))
        free = seats_left(session)
        queue = list(waiting_list(session).select_related("session__group"))
        # In order; with seats reserved per country some of them may have to keep waiting.
        candidates = queue if free is None else queue[:free]
        context = {
            **self.admin_site.each_context(request),
            "opts": Session._meta,
            "original": session,
            "title": _("Move people from the waiting list: %(session)s") % {"session": session},
            "session": session,
            "free": free,
            "waiting": len(queue),
            "candidates": candidates,
            **notifications.mailing_plan(
                registrations=candidates, kind="registration_confirmed", promoted=True, join_url=session.join_url
            ),
        }
        return TemplateResponse(request, "admin/sessions_app/session/promote_confirmation.html", context)

    def publish_view(self, request, pk):
        """The confirmation page: recipients by language, the e-mail, earlier publications; then the choice."""
        session = self._session_for(request, pk)
        plan = publishing.publication_plan(session)
        form = PublishForm(request.POST or None, plan=plan)
        if request.method == "POST" and plan.has_conclusions and form.is_valid():
            publication = publishing.publish_conclusions(
                session=session, announce=form.cleaned_data["mode"] == PublishForm.ANNOUNCE, requested_by=request.user
            )
            return HttpResponseRedirect(reverse("admin:sessions_app_session_publication", args=[publication.pk]))
        language = request.GET.get("language")
        if language not in publishing.LANGUAGE_CODES:
            language = next((code for code, _name, count in plan.recipients_by_language if count), "en")
        subject, body = publishing.announcement_preview(session=session, language=language)
        context = {
            **self.admin_site.each_context(request),
            "opts": Session._meta,
            "original": session,
            "title": _("Publish the conclusions: %(session)s") % {"session": session},
            "session": session,
            "plan": plan,
            "form": form,
            "preview_language": language,
            "preview_subject": subject,
            "preview_body": body,
            "languages": settings.LANGUAGES,
        }
        return render(request, "admin/sessions_app/session/publish.html", context)

    def publication_view(self, request, pk):
        """Progress of one publication; the page refreshes itself (no script) while work remains."""
        publication = Publication.objects.select_related("session__group", "requested_by").filter(pk=pk).first()
        if publication is None:
            raise Http404
        if not self.has_view_permission(request, publication.session):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": Session._meta,
            "original": publication.session,
            "title": _("Publication of the conclusions: %(session)s") % {"session": publication.session},
            "publication": publication,
            "session": publication.session,
            "deliveries": publishing.publication_deliveries(publication),
        }
        return render(request, "admin/sessions_app/session/publication.html", context)

    # ── The group's figures at a glance ────────────────────────────────────────────────────────

    def figures_view(self, request):
        """Registrations, confirmations and attendance per session, country, institution kind and gender."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FiguresFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        sessions = figures.selected_sessions(
            session_id=filters.get("session").pk if filters.get("session") else None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        data = figures.group_figures(sessions=sessions)
        tables = figures.tables(data)
        wanted = request.GET.get("csv")
        if wanted in tables:
            response = HttpResponse(figures.table_csv(*tables[wanted]), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="figures-{wanted}.csv"'
            return response
        query = request.GET.copy()
        query.pop("csv", None)
        charts = {
            name: figures.bar_chart(chart_id=f"chart-{name}", title=title, description=description, rows=rows)
            for name, title, description, rows in (
                (
                    "sessions",
                    _("Registrations, confirmations and attendance by session"),
                    _("Three bars per session: registrations, confirmed and attended."),
                    data.by_session,
                ),
                (
                    "countries",
                    _("Registrations, confirmations and attendance by country"),
                    _("Three bars per country: registrations, confirmed and attended."),
                    data.by_country,
                ),
                (
                    "kinds",
                    _("Registrations, confirmations and attendance by institution kind"),
                    _("Three bars per institution kind: registrations, confirmed and attended."),
                    data.by_kind,
                ),
                (
                    "genders",
                    _("Registrations, confirmations and attendance by gender"),
                    _("Three bars per gender: registrations, confirmed and attended."),
                    data.by_gender,
                ),
            )
        }
        sections = [
            {"name": name, "caption": caption, "header": header, "rows": rows, "chart": charts.get(name)}
            for name, (caption, header, rows) in tables.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": Session._meta,
            "title": _("The group's figures"),
            "form": form,
            "figures": data,
            "sections": sections,
            "query": query.urlencode(),
        }
        return render(request, "admin/sessions_app/session/figures.html", context)
