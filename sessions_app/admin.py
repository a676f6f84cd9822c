"""Admin of the session core: thematic focuses, working groups and the inlines of a session's page.

The Session admin itself is in ``sessions_app/outcomes/admin.py``: its page is where staff run the
whole session (registrations, seat reservations, attendance, publication), so it lives in the wing
that may see registrations; the core never imports that wing.

Every translated field is edited in language tabs (modeltranslation's tabbed admin, with jQuery UI
served by the portal), so a page shows one language at a time and fits a 1280-px screen.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from agenda.models import AgendaItem
from agenda.timing import compute_schedule

from .models import GroupLogo, GuidingQuestion, MethodologyStep, Objective, ThematicFocus, WorkingGroup

# Inline text is short: a compact textarea keeps each row on one screen line.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}


@admin.register(ThematicFocus)
class ThematicFocusAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name_en"]}


class GroupLogoInline(admin.TabularInline):
    """The logos printed on the group's certificates; with none, the programme's name stands alone."""

    model = GroupLogo
    extra = 0
    fields = ["image", "description", "order"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(TabbedTranslationAdmin):
    list_display = ["outcome_code", "name", "programme"]
    inlines = [GroupLogoInline]
    search_fields = ["name", "outcome_code"]
    filter_horizontal = ["thematic_focuses"]
    prepopulated_fields = {"slug": ["outcome_code"]}


class ObjectiveInline(TranslationTabularInline):
    model = Objective
    extra = 0
    fields = ["order", "text"]
    formfield_overrides = COMPACT_TEXT


class MethodologyStepInline(TranslationTabularInline):
    model = MethodologyStep
    extra = 0
    fields = ["moment", "order", "text"]
    formfield_overrides = COMPACT_TEXT


class GuidingQuestionInline(TranslationTabularInline):
    model = GuidingQuestion
    extra = 0
    fields = ["order", "text"]
    formfield_overrides = COMPACT_TEXT


def short_item_label(item):
    """ "3 · Experiences / panel" rather than the item's full title: fits a select in a table cell."""
    return f"{item.order} · {Truncator(item.title).chars(28)}"


class ShortParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return short_item_label(obj)


class AgendaItemInlineForm(forms.ModelForm):
    """An item cannot sit inside itself or inside one of its own items: said on the field."""

    class Meta:
        model = AgendaItem
        fields = ["order", "parent", "kind", "title", "duration_minutes", "country"]

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if parent is not None and self.instance.pk is not None:
            seen, item = set(), parent
            while item is not None and item.pk not in seen:
                if item.pk == self.instance.pk:
                    self.add_error(
                        "parent", _("An item cannot be placed inside itself or inside one of its own items.")
                    )
                    break
                seen.add(item.pk)
                item = item.parent
        return cleaned


class AgendaItemInline(TranslationTabularInline):
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
