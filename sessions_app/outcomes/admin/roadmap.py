"""The roadmap's actions, and the rendered documents (read-only)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from common.admin_languages import OneLanguageRequiredAdmin
from registrations.models import Institution
from sessions_app.models import Document, RoadmapItem, RoadmapUpdate


def institution_label(institution):
    """ "Ministerio de Salud (MSP) · Uruguay": an institution with its country, where staff pick one."""
    return f"{institution} · {institution.country.name}" if institution.country else str(institution)


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return institution_label(obj)


class AutocompleteWithCountries(AutocompleteJsonView):
    """The admin's autocomplete, with each institution's country beside its name."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Institution):
            result["text"] = institution_label(obj)
        return result


# The site's one autocomplete endpoint: only institutions read differently.
admin.site.autocomplete_view = lambda request: AutocompleteWithCountries.as_view(admin_site=admin.site)(request)


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
            "agreed_session",
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


class RoadmapUpdateInline(admin.TabularInline):
    """The action's timeline, read only: staff add to it with "Report progress" (the same form as focal points)."""

    model = RoadmapUpdate
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "author_role", "author_country", "from_status", "to_status", "note_date", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RoadmapItem)
class RoadmapItemAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
    form = RoadmapItemAdminForm
    list_display = [
        "title",
        "group",
        "owner_kind",
        "period",
        "due_date",
        "status",
        "agreed_session",
        "follow_up_session",
        "order",
        "report_progress",
    ]
    list_filter = ["group", "status", "owner_kind"]
    list_editable = ["status", "order"]
    list_select_related = ["group", "follow_up_session__group", "agreed_session__group"]
    search_fields = ["title", "description"]
    # Typed, searched over the register, each with its country (the model keeps the owner's country
    # blank when an institution owns the action).
    autocomplete_fields = ["owner_institution"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner_institution":
            kwargs["form_class"] = InstitutionChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    inlines = [RoadmapUpdateInline]

    @admin.display(description=_("Progress"))
    def report_progress(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("outcomes:roadmap_update", kwargs={"pk": obj.pk}), _("Report progress")
        )


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["session", "kind", "language", "version", "registration", "is_public", "size", "created_at"]
    list_filter = ["kind", "language", "is_public", "session"]
    list_select_related = ["session__group", "registration"]
    # The stored file through the download view (it checks who asks), never by the storage's own
    # address: a bucket's would be a signed URL that works for anyone holding it.
    exclude = ["file"]
    readonly_fields = [field.name if field.name != "file" else "download" for field in Document._meta.fields]

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse("outcomes:document_download", kwargs={"pk": document.pk})
        return format_html('<a href="{}">{}</a>', url, document.filename)

    def has_add_permission(self, request):
        return False  # documents are rendered by the task, never uploaded by hand

    def has_change_permission(self, request, obj=None):
        return False
