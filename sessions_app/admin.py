"""Admin of the session core: sessions, thematic focuses, working groups and the inlines of a session's page.

The Session admin is here; the outcomes wing extends it with what needs registrations (see
``SessionAdmin``), and the core never imports that wing.

Every translated field is edited in language tabs (modeltranslation's tabbed admin, with jQuery UI
served by the portal), so a page shows one language at a time and fits a 1280-px screen.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from common.admin_languages import OneLanguageRequiredAdmin, OneLanguageRequiredInline
from common.admin_widgets import EntryZoneMixin, ZonedSplitDateTime
from common.timezones import format_utc_offset, selectable_zone, zone_label
from sessions_app.admin_forms import (
    SESSION_FIELDSETS,
    SESSION_READONLY_FIELDS,
    AgendaItemInlineForm,
    SessionAdminForm,
    ShortParentChoiceField,
)
from sessions_app.cloning import clone_session
from sessions_app.completeness import missing_before_public, missing_translations
from sessions_app.models import (
    GroupLogo,
    GuidingQuestion,
    MethodologyStep,
    Objective,
    Session,
    ThematicFocus,
    WorkingGroup,
)
from sessions_app.scheduling import save_session

# Inline text is short: a compact textarea keeps each row on one screen line.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}


@admin.register(ThematicFocus)
class ThematicFocusAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name_en"]}


class GroupLogoInline(admin.TabularInline):
    """The logos printed on the group's certificates; with none, the programme's name stands alone."""

    model = GroupLogo
    extra = 0
    fields = ["image", "description", "order"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    list_display = ["outcome_code", "name", "programme"]
    inlines = [GroupLogoInline]
    search_fields = ["name", "outcome_code"]
    filter_horizontal = ["thematic_focuses"]
    prepopulated_fields = {"slug": ["outcome_code"]}


class ObjectiveInline(OneLanguageRequiredInline, TranslationTabularInline):
    model = Objective
    extra = 0
    fields = ["order", "text"]
    formfield_overrides = COMPACT_TEXT


class MethodologyStepInline(OneLanguageRequiredInline, TranslationTabularInline):
    model = MethodologyStep
    extra = 0
    fields = ["moment", "order", "text"]
    formfield_overrides = COMPACT_TEXT


class GuidingQuestionInline(OneLanguageRequiredInline, TranslationTabularInline):
    model = GuidingQuestion
    extra = 0
    fields = ["order", "text"]
    formfield_overrides = COMPACT_TEXT


class AgendaItemInline(OneLanguageRequiredInline, TranslationTabularInline):
    """Agenda items edited on the session page; their speakers and roles through the change link.

    Each saved row shows its computed start and end beside it, so staff see the times move as
    they change durations and order.
    """

    model = AgendaItem
    form = AgendaItemInlineForm
    extra = 0
    # A fixed start offset is rare: it is on the item's own page ("Change"), which keeps this table narrow.
    fields = ["order", "computed_time", "parent", "kind", "title", "duration_minutes", "country"]
    readonly_fields = ["computed_time"]
    show_change_link = True
    verbose_name_plural = _("agenda items (use “Change” on a saved item to edit its speakers and roles)")
    formfield_overrides = {
        models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"class": "vSmallIntegerField"})},
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"class": "vSmallIntegerField"})},
    }

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Only items of this session can hold another item; labelled short.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = AgendaItem.objects.filter(session_id=_int_or_none(object_id))
            kwargs["form_class"] = ShortParentChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "parent" and formfield is not None:
            # The parent is another row of this very table: no add/change/view pop-up icons beside it.
            for flag in ("can_add_related", "can_change_related", "can_view_related", "can_delete_related"):
                setattr(formfield.widget, flag, False)
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        # One schedule per page, computed from the rows already loaded: no query per row.
        self._slots = {}
        if obj is not None and obj.pk is not None:
            schedule = compute_schedule(obj, list(AgendaItem.objects.filter(session=obj)))
            zone = obj.zone
            self._slots = {
                slot.item.pk: f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}"
                for slot in schedule.flat()
            }
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("time"))
    def computed_time(self, item):
        return getattr(self, "_slots", {}).get(item.pk, "–") if item and item.pk else "–"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _zone_or_none(name):
    return zoneinfo.ZoneInfo(name) if name and selectable_zone(name) else None


def the_one_selected(modeladmin, request, queryset):
    """The one object an admin action was asked for, or None once staff were told to select
    exactly one session (every such action works on a session or on its conclusions)."""
    selected = queryset.first()
    if queryset.count() != 1 or selected is None:
        modeladmin.message_user(request, _("Select exactly one session."), messages.WARNING)
        return None
    return selected


@admin.action(description=_("Clone as a new session (agenda, objectives, questions, speakers; no registrations)"))
def clone_sessions(modeladmin, request, queryset):
    session = the_one_selected(modeladmin, request, queryset)
    if session is None:
        return None
    clone = clone_session(session=session)
    modeladmin.message_user(
        request,
        _("Session %(number)s is a draft copy of session %(original)s: set its date and title.")
        % {"number": clone.number, "original": session.number},
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:sessions_app_session_change", args=[clone.pk]))


@admin.register(Session)
class SessionAdmin(EntryZoneMixin, OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    """The session's page: what it is, when, its texts in three languages, its agenda.

    The outcomes wing (``sessions_app/outcomes/admin/session.py``) registers a subclass in its place
    that adds the registrations summary, seat reservations, the attendance and publication actions and
    their pages, and tells participants when the start moves; this class names the points it extends
    (``save_model``, ``warn_after_save``, ``get_urls``) and never imports that wing.
    """

    form = SessionAdminForm
    actions = [clone_sessions]
    list_display = ["__str__", "local_start", "status", "format"]
    list_filter = ["group", "status", ("starts_at", admin.DateFieldListFilter), "format"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title_en"]}
    filter_horizontal = ["thematic_focuses"]
    readonly_fields = SESSION_READONLY_FIELDS
    # In the order of the concept note: objectives, methodology, guiding questions, agenda.
    inlines = [ObjectiveInline, MethodologyStepInline, GuidingQuestionInline, AgendaItemInline]
    change_form_template = "admin/sessions_app/session/change_form.html"
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 5, "cols": 80})},
        # Each date and time says the zone it is typed in (the session's, see changeform_view).
        models.DateTimeField: {"widget": ZonedSplitDateTime},
    }
    fieldsets = SESSION_FIELDSETS

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
        """'10/05/2023 15:30' over 'Madrid time, UTC+02:00', in the staff member's language."""
        local = obj.starts_at.astimezone(obj.zone)
        zone = gettext("%(zone)s time, %(offset)s") % {
            "zone": zone_label(obj.time_zone),
            "offset": format_utc_offset(local),
        }
        return format_html(
            '{} {}<br><span class="help">{}</span>', date_format(local, "SHORT_DATE_FORMAT"), f"{local:%H:%M}", zone
        )

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
        # A new start raises the calendar SEQUENCE (the outcomes wing's admin also tells participants).
        save_session(session=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.keep_incomplete_session_a_draft(request, form)
        self.warn_after_save(request, form, formsets, change)
        # "Save and continue" lands on the change page, which shows the warnings itself.
        if "_continue" not in request.POST:
            for warning in self._schedule(form.instance).warnings:
                messages.warning(request, warning)

    def keep_incomplete_session_a_draft(self, request, form):
        """A session becoming public without its essentials stays a draft; staff read what is missing.

        Checked once the inlines are saved: objectives, questions and agenda come with the form.
        """
        session = form.instance
        if not session.is_public or form.initial.get("status", Session.Status.DRAFT) != Session.Status.DRAFT:
            return
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

    def warn_after_save(self, request, form, formsets, change):
        """Extension point: messages an extending admin adds after a save, before the agenda's warnings."""

    def view_on_site(self, obj):
        return reverse("sessions_app:detail", kwargs={"slug": obj.slug})
