from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions_app.outcomes.presentations import files
from sessions_app.outcomes.presentations.models import Presentation, UploadLink


class PresentationAdminForm(forms.ModelForm):
    class Meta:
        model = Presentation
        fields = ["item", "speaker", "title", "language", "file", "link", "visibility"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("link"):
            raise forms.ValidationError(_("Attach a file or give a link."))
        return cleaned


@admin.register(Presentation)
class PresentationAdmin(admin.ModelAdmin):
    """The staff view of every file: type, size, language, visibility, and who added it."""

    form = PresentationAdminForm
    list_display = ["title", "item", "speaker", "kind_label", "size", "language", "visibility", "uploaded_through_link"]
    list_filter = ["visibility", "language", "item__session", "uploaded_through_link"]
    list_select_related = ["item", "speaker"]
    list_editable = ["visibility"]
    search_fields = ["title", "item__title"]
    actions = ["make_public", "make_participants_only", "make_staff_only"]

    def save_model(self, request, obj, form, change):
        files.record_file_facts(obj)
        super().save_model(request, obj, form, change)

    def _set(self, request, queryset, visibility):
        count = files.set_visibility(queryset, visibility=visibility)
        self.message_user(request, ngettext("%(n)d file changed.", "%(n)d files changed.", count) % {"n": count})

    @admin.action(description=_("Make public (shown once the session has ended)"))
    def make_public(self, request, queryset):
        self._set(request, queryset, Presentation.Visibility.PUBLIC)

    @admin.action(description=_("Participants of the session only"))
    def make_participants_only(self, request, queryset):
        self._set(request, queryset, Presentation.Visibility.PARTICIPANTS)

    @admin.action(description=_("Staff only"))
    def make_staff_only(self, request, queryset):
        self._set(request, queryset, Presentation.Visibility.STAFF)


class UploadLinkForm(forms.ModelForm):
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=180, initial=files.UPLOAD_LINK_DAYS)
    language = forms.ChoiceField(label=_("language of the e-mail"), choices=settings.LANGUAGES, initial="es")

    class Meta:
        model = UploadLink
        fields = ["item", "speaker", "email", "language"]
        help_texts = {"email": _("Usually the speaker's e-mail.")}


@admin.register(UploadLink)
class UploadLinkAdmin(admin.ModelAdmin):
    """Send a speaker their personal upload link for one agenda item; revoke it at any time."""

    form = UploadLinkForm
    list_display = ["speaker", "item", "email", "expires_at", "revoked_at", "created_at"]
    list_filter = ["item__session"]
    list_select_related = ["speaker", "item"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        link = files.send_upload_link(
            item=form.cleaned_data["item"],
            speaker=form.cleaned_data["speaker"],
            email=form.cleaned_data["email"],
            language=form.cleaned_data["language"],
            created_by=request.user,
            days=form.cleaned_data["days"],
        )
        obj.pk = link.pk
        messages.info(request, _("The upload link was e-mailed to %(email)s.") % {"email": link.email})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return initial

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request, queryset):
        count = files.revoke_upload_links(queryset)
        self.message_user(request, ngettext("%(n)d link revoked.", "%(n)d links revoked.", count) % {"n": count})
