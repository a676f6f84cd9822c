"""Admin of the session core: thematic focuses, working groups and the inlines of a session's page.

The Session admin itself is in ``sessions_app/outcomes/admin.py``: its page is where staff run the
whole session (registrations, seat reservations, attendance, publication), so it lives in the wing
that may see registrations; the core never imports that wing.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from agenda.models import AgendaItem

from .models import GuidingQuestion, MethodologyStep, Objective, ThematicFocus, WorkingGroup


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
