"""Admin for after the session: attendance import and ticks, conclusions, roadmap, documents.

Imported at the end of sessions_app/admin.py. It adds two actions to the Session admin
("Attendance…" and "Publish conclusions") without touching that class, and the attendance page
as a URL of the Conclusions admin (/admin/sessions_app/conclusions/attendance/<session id>/).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from registrations.attendance import AttendanceFileError, import_attendance, set_attendance
from registrations.models import Registration

from .conclusions import publish_conclusions, sanitize_rich_text
from .models import Conclusions, Document, RoadmapItem, Session

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


def _add_session_actions():
    try:
        session_admin = admin.site.get_model_admin(Session)
    except NotRegistered:
        return
    current = list(session_admin.actions or [])
    session_admin.actions = [*current, open_attendance, publish_session_conclusions]


_add_session_actions()
