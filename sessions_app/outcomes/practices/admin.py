"""Staff review practices here: publish, send back with a message, reject; or create one from a
presented agenda item in one step."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TabbedTranslationAdmin

from agenda.models import AgendaItem
from common import uploads
from sessions_app.completeness import object_gaps
from sessions_app.outcomes.practices import review
from sessions_app.outcomes.practices.models import Population, Practice, PracticeDocument
from sessions_app.outcomes.practices.text import rich_text


class PracticeDocumentForm(forms.ModelForm):
    class Meta:
        model = PracticeDocument
        fields = ["title", "language", "file"]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is not None and hasattr(uploaded, "content_type"):
            self.instance.file_kind = uploads.validate_upload(uploaded).code
            self.instance.size = uploaded.size
        return uploaded


class PracticeDocumentInline(admin.TabularInline):
    model = PracticeDocument
    form = PracticeDocumentForm
    extra = 0


@admin.register(Population)
class PopulationAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ("name_en",)}


class ExperienceItemForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Presented agenda item"),
        queryset=AgendaItem.objects.exclude(kind__in=["break", "opening", "closing"])
        .select_related("session")
        .order_by("-session__starts_at", "order"),
    )


class PracticeAdminForm(forms.ModelForm):
    class Meta:
        model = Practice
        # The admin's fieldsets choose what is shown; the form must accept each of them.
        fields = [
            "title", "summary", "description", "results", "original_language", "country", "region",
            "institutions", "stage", "practice_type", "themes", "populations", "evaluation",
            "evaluation_url", "period_start", "period_end", "links", "session", "agenda_item",
            "speaker", "review_message",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"title_{code}") for code in ("en", "es", "pt")):
            raise forms.ValidationError(_("Give the practice a title in at least one language."))
        return cleaned


@admin.register(Practice)
class PracticeAdmin(TabbedTranslationAdmin):
    form = PracticeAdminForm
    list_display = ["title", "place", "stage", "status", "translation_gaps_count", "updated_at"]

    @admin.display(description=_("country or region"))
    def place(self, obj):
        return obj.place

    list_filter = ["status", "stage", "practice_type", "evaluation", "country", "themes"]
    search_fields = ["title_en", "title_es", "title_pt", "summary_en", "summary_es", "summary_pt"]
    filter_horizontal = ["institutions", "themes", "populations"]
    autocomplete_fields = []
    readonly_fields = ["status", "submitted_at", "published_at", "translation_gaps"]
    inlines = [PracticeDocumentInline]
    change_form_template = "admin/practices/practice/change_form.html"
    change_list_template = "admin/practices/practice/change_list.html"
    fieldsets = [
        (None, {"fields": ["status", "title", "summary", "description", "results", "original_language"]}),
        (
            _("Where and what"),
            {"fields": ["country", "region", "institutions", "stage", "practice_type", "themes", "populations"]},
        ),
        (_("Evidence"), {"fields": ["evaluation", "evaluation_url", "period_start", "period_end", "links"]}),
        (_("Where it was presented"), {"fields": ["session", "agenda_item", "speaker"]}),
        (_("Review"), {"fields": ["review_message", "translation_gaps", "submitted_at", "published_at"]}),
    ]

    @admin.display(description=_("translations missing"))
    def translation_gaps_count(self, obj):
        return sum(len(gap.missing) for gap in object_gaps(obj))

    @admin.display(description=_("translation gaps"))
    def translation_gaps(self, obj):
        gaps = object_gaps(obj) if obj.pk else []
        if not gaps:
            return _("None: every text exists in English, Spanish and Portuguese.")
        return format_html_join("", "<div>{}: {}</div>", ((gap.field, gap.missing_names) for gap in gaps))

    def save_model(self, request, obj, form, change):
        for code in ("en", "es", "pt"):
            for name in ("description", "results"):
                setattr(obj, f"{name}_{code}", rich_text(getattr(obj, f"{name}_{code}", "") or ""))
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        """The review buttons act after the form's own changes are saved."""
        try:
            if "_publish" in request.POST:
                review.publish_practice(practice=obj)
                self.message_user(request, _("The practice is published."), messages.SUCCESS)
            elif "_send_back" in request.POST:
                review.send_back(practice=obj, message=obj.review_message)
                self.message_user(
                    request, _("The practice was sent back; its focal points were e-mailed."), messages.SUCCESS
                )
            elif "_reject" in request.POST:
                review.reject_practice(practice=obj, message=obj.review_message)
                self.message_user(request, _("The practice was rejected."), messages.WARNING)
            else:
                return super().response_change(request, obj)
        except review.ReviewError as error:
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:practices_practice_change", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.from_item_view))
        return [path("from-item/", view, name="practices_practice_from_item"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "from_item_form": ExperienceItemForm()}
        return super().changelist_view(request, extra_context)

    def from_item_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ExperienceItemForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose an agenda item."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:practices_practice_changelist"))
        item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=form.cleaned_data["item"].pk)
        practice = review.practice_from_item(item=item, created_by=request.user)
        self.message_user(request, _("A draft practice was created from the agenda item: complete and publish it."))
        return HttpResponseRedirect(reverse("admin:practices_practice_change", args=[practice.pk]))
