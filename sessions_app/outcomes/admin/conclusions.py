"""Conclusions, and the attendance page staff reach from a session
(/admin/sessions_app/conclusions/attendance/<session id>/)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from modeltranslation.admin import TabbedTranslationAdmin

from common.admin import page_context
from common.admin_languages import OneLanguageRequiredAdmin
from registrations.models import Registration
from registrations.privacy.retention import retention_warning
from sessions_app.admin import the_one_selected
from sessions_app.models import Conclusions, Session
from sessions_app.outcomes.attendance import (
    AttendanceFileError,
    WalkIn,
    import_attendance,
    register_walk_ins,
    set_attendance,
)
from sessions_app.outcomes.certificates import certificate_refusal
from sessions_app.outcomes.conclusions import sanitize_rich_text

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
class ConclusionsAdmin(OneLanguageRequiredAdmin, TabbedTranslationAdmin):
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
        conclusions = the_one_selected(self, request, queryset)
        if conclusions is None:
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
                            {"email": r.email, "full_name": r.name or r.email, "minutes": r.minutes, "add": True}
                            for r in result.unmatched
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
        if request.method == "GET" and (warning := retention_warning(session)):
            messages.warning(request, warning)
        context = page_context(
            self,
            request,
            title=_("Attendance: %(session)s") % {"session": session},
            session=session,
            form=form,
            walk_in_formset=walk_in_formset,
            result=result,
            registrations=registrations,
            opts=Session._meta,
        )
        return render(request, "admin/sessions_app/attendance.html", context)
