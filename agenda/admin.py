from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from agenda.models import AgendaItem, AgendaRole, Speaker
from common.admin_languages import OneLanguageRequiredAdmin


@admin.register(Speaker)
class SpeakerAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    list_display = ["name", "position", "organisation", "country"]
    list_filter = ["country"]
    search_fields = ["name", "organisation", "position", "email"]


class AgendaRoleForm(forms.ModelForm):
    class Meta:
        model = AgendaRole
        fields = ["speaker", "role", "order"]

    def clean(self):
        cleaned = super().clean()
        item, speaker, role = self.instance.item_id, cleaned.get("speaker"), cleaned.get("role")
        if item and speaker and role:
            taken = AgendaRole.objects.filter(item_id=item, speaker=speaker, role=role).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("speaker", _("This speaker already has this role in this item."))
        return cleaned


class AgendaRoleInline(admin.TabularInline):
    model = AgendaRole
    form = AgendaRoleForm
    extra = 1
    fields = AgendaRoleForm.Meta.fields
    autocomplete_fields = ["speaker"]


class ParentOutsideTheItemMixin:
    """An item cannot be placed inside itself or inside one of its own items: said on the parent
    field of both item forms (this page's and the session page's inline)."""

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk is not None and _is_inside(parent, self.instance.pk):
            raise forms.ValidationError(_("An item cannot be placed inside itself or inside one of its own items."))
        return parent


class AgendaItemForm(ParentOutsideTheItemMixin, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = [
            "session",
            "parent",
            "order",
            "kind",
            "title",
            "description",
            "duration_minutes",
            "start_offset_minutes",
            "country",
        ]

    def clean(self):
        cleaned_data = super().clean()
        parent, session = cleaned_data.get("parent"), cleaned_data.get("session")
        if parent is not None and session is not None and parent.session_id != session.pk:
            self.add_error("parent", _("Choose an item of the same session."))
        return cleaned_data


def _is_inside(item, ancestor_pk):
    """True when ``item`` is ``ancestor_pk`` or nested, at any depth, inside it."""
    seen = set()
    while item is not None and item.pk not in seen:
        if item.pk == ancestor_pk:
            return True
        seen.add(item.pk)
        item = item.parent
    return False


@admin.register(AgendaItem)
class AgendaItemAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    form = AgendaItemForm
    list_display = ["title", "session", "parent", "kind", "duration_minutes", "order"]
    list_filter = ["session__group", "session", "kind"]
    list_select_related = ["session", "session__group", "parent"]
    search_fields = ["title", "session__title"]
    autocomplete_fields = ["session"]
    inlines = [AgendaRoleInline]
    fields = AgendaItemForm.Meta.fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "parent" in form.base_fields:
            # Only items of the same session, and never the item itself.
            form.base_fields["parent"].queryset = AgendaItem.objects.filter(session_id=obj.session_id).exclude(
                pk=obj.pk
            )
        return form

    def view_on_site(self, obj):
        return obj.session.get_absolute_url() + "#agenda"
