"""Staff admin for mailings: compose with defaults, preview, test, check, queue, watch, retry."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from common.admin import page_context
from common.admin_widgets import EntryZoneMixin, ZonedSplitDateTime
from common.email_preview import calendar_summary, email_frame_response
from registrations.campaigns import audiences, building, rendering
from registrations.models import Delivery, Mailing, Registration
from sessions_app.completeness import missing_translations
from sessions_app.models import Session

# Who receives it and when; then what it says, in each language.
SETTING_FIELDS = (
    "session",
    "kind",
    "audience",
    "registrant_statuses",
    "addresses",
    "addresses_language",
    "scheduled_at",
)
CONTENT_FIELDS = ("subject_en", "body_en", "subject_es", "body_es", "subject_pt", "body_pt")


class MailingForm(forms.ModelForm):
    registrant_statuses = forms.MultipleChoiceField(
        # A form field's label is shown as written, so it takes the model field's capitalised name.
        label=capfirst(Mailing._meta.get_field("registrant_statuses").verbose_name),
        choices=Registration.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("For the audience “registrants”; none ticked means confirmed."),
    )

    class Meta:
        model = Mailing
        fields = (*SETTING_FIELDS, *CONTENT_FIELDS, "attach_ics")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "addresses_language" in self.fields:
            self.fields["addresses_language"].required = False  # only pasted lists use it

    def clean_addresses_language(self):
        return self.cleaned_data.get("addresses_language") or Mailing._meta.get_field("addresses_language").default

    def clean_addresses(self):
        addresses = self.cleaned_data.get("addresses", "")
        language = self.data.get("addresses_language") or "en"
        _recipients, errors = audiences.parse_addresses(addresses, default_language=language)
        if errors:
            raise forms.ValidationError(errors[:20])
        return addresses

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Mailing.Audience.ADDRESSES and cleaned.get("addresses", None) == "":
            self.add_error("addresses", _("Paste at least one address."))
        return cleaned


@admin.register(Mailing)
class MailingAdmin(EntryZoneMixin, admin.ModelAdmin):
    form = MailingForm
    list_display = ("__str__", "kind", "audience", "status", "scheduled_at", "queued_at", "finished_at")
    list_filter = ("status", "kind", "audience", "session")
    list_select_related = ("session", "session__group")
    search_fields = ("subject_en", "subject_es", "subject_pt", "session__title")
    readonly_fields = ("status", "queued_at", "finished_at", "created_by")
    change_form_template = "admin/registrations/mailing/change_form.html"
    fieldsets = (
        (None, {"fields": SETTING_FIELDS}),
        (
            gettext_lazy("Message (blank fields get the default text of the kind when saved)"),
            {"fields": (*CONTENT_FIELDS, "attach_ics")},
        ),
        (gettext_lazy("Progress"), {"fields": readonly_fields}),
    )

    formfield_overrides = {models.DateTimeField: {"widget": ZonedSplitDateTime}}

    def get_changeform_initial_data(self, request):
        # A new mailing's pasted addresses default to the language the staff member works in.
        initial = super().get_changeform_initial_data(request)
        language = translation.get_language()
        if language in audiences.LANGUAGE_CODES:
            initial.setdefault("addresses_language", language)
        return initial

    def _entry_zone(self, request, object_id):
        """The session's zone, in which staff type and read "send at", named beside the field (the
        chosen session's, or the mailing's): one query."""
        session_id = request.POST.get("session") or request.GET.get("session")
        name = None
        if session_id and str(session_id).isdigit():
            name = Session.objects.filter(pk=session_id).values_list("time_zone", flat=True).first()
        elif object_id and str(object_id).isdigit():
            name = Mailing.objects.filter(pk=object_id).values_list("session__time_zone", flat=True).first()
        try:
            return zoneinfo.ZoneInfo(name) if name else zoneinfo.ZoneInfo(settings.TIME_ZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Mailing.Status.DRAFT:
            return [field.name for field in Mailing._meta.fields if field.editable] + list(self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if obj.status == Mailing.Status.DRAFT:
            rendering.fill_defaults(mailing=obj)
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="registrations_mailing_preview"),
            path("<int:pk>/preview/html/", view(self.preview_html_view), name="registrations_mailing_preview_html"),
            path("<int:pk>/send-test/", view(self.send_test_view), name="registrations_mailing_send_test"),
            path("<int:pk>/check/", view(self.check_view), name="registrations_mailing_check"),
            path("<int:pk>/queue/", view(self.queue_view), name="registrations_mailing_queue"),
            path("<int:pk>/progress/", view(self.progress_view), name="registrations_mailing_progress"),
            path("<int:pk>/retry-failed/", view(self.retry_view), name="registrations_mailing_retry"),
            *super().get_urls(),
        ]

    def _mailing(self, request, pk, *, change=False):
        mailing = get_object_or_404(Mailing.objects.select_related("session", "session__group"), pk=pk)
        allowed = self.has_change_permission(request, mailing) if change else self.has_view_permission(request, mailing)
        if not allowed:
            raise PermissionDenied
        return mailing

    def _context(self, request, mailing, **extra):
        return page_context(
            self,
            request,
            original=mailing,
            mailing=mailing,
            title=str(mailing),
            **extra,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        mailing = Mailing.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if mailing is not None:
            extra_context["progress"] = building.mailing_progress(mailing)
        return super().change_view(request, object_id, form_url, extra_context)

    def _preview(self, request, mailing):
        """(recipients, recipient, language, rendered parts) of the mailing as one recipient gets it,
        with placeholder keys in its private and unsubscribe links. Real recipients (their addresses,
        names, calendar files) only for staff allowed to see registrations; anyone else sees it for a
        placeholder recipient."""
        language = request.GET.get("language", "")
        if request.user.has_perm("registrations.view_registration"):
            recipients = audiences.mailing_recipients(mailing)
            chosen_email = request.GET.get("recipient", "")
            recipient = next((person for person in recipients if person.email == chosen_email), None)
            if recipient is None:
                recipient = recipients[0] if recipients else None
        else:
            recipients, recipient = [], None
        if recipient is None:
            placeholder_language = language if language in audiences.LANGUAGE_CODES else "en"
            recipient = rendering.placeholder_recipient(mailing=mailing, language=placeholder_language)
        if language not in audiences.LANGUAGE_CODES:
            language = recipient.language
        parts = rendering.render_mailing(mailing=mailing, recipient=recipient, language=language, preview=True)
        return recipients, recipient, parts

    def preview_view(self, request, pk):
        """The HTML message in sandboxed frames at phone and desktop widths, the plain text and the
        calendar event in words beside it, and how many recipients get each language."""
        mailing = self._mailing(request, pk)
        recipients, recipient, parts = self._preview(request, mailing)
        language, subject, body_text, _body_html, ics, headers = parts
        everyone = recipients or audiences.mailing_recipients(mailing)
        counts = dict.fromkeys(audiences.LANGUAGE_CODES, 0)
        for person in everyone:
            counts[person.language] = counts.get(person.language, 0) + 1
        names = dict(settings.LANGUAGES)
        query = {"language": language}
        if recipients:
            query["recipient"] = recipient.email
        context = self._context(
            request,
            mailing,
            recipients=recipients[:500],
            recipient=recipient,
            language=language,
            languages=audiences.LANGUAGE_CODES,
            language_counts=[(code, names[code], counts.get(code, 0)) for code in audiences.LANGUAGE_CODES],
            subject=subject,
            body_text=body_text,
            ics=ics,
            calendar=calendar_summary(ics),
            headers=headers,
            frame_url=reverse("admin:registrations_mailing_preview_html", args=[mailing.pk]) + "?" + urlencode(query),
        )
        return TemplateResponse(request, "admin/registrations/mailing/preview.html", context)

    @method_decorator(xframe_options_sameorigin)
    def preview_html_view(self, request, pk):
        """The HTML part alone, for the preview's sandboxed frames (see common.email_preview)."""
        mailing = self._mailing(request, pk)
        _recipients, _recipient, parts = self._preview(request, mailing)
        return email_frame_response(parts[3])

    def send_test_view(self, request, pk):
        return require_POST(self._send_test)(request, pk)

    def _send_test(self, request, pk):
        mailing = self._mailing(request, pk)
        language = request.POST.get("language", "en")
        if language not in audiences.LANGUAGE_CODES:
            language = "en"
        if not request.user.email:
            messages.error(request, _("Your account has no e-mail address to send the test to."))
        else:
            building.send_test(mailing=mailing, to_email=request.user.email, language=language)
            messages.success(request, _("A test was sent to %(email)s.") % {"email": request.user.email})
        return redirect(reverse("admin:registrations_mailing_change", args=[mailing.pk]))

    def check_view(self, request, pk):
        mailing = self._mailing(request, pk)
        recipients = audiences.mailing_recipients(mailing)
        blockers, warnings = building.check_mailing(mailing=mailing, recipients=recipients)
        counts = {}
        for person in recipients:
            counts[person.language] = counts.get(person.language, 0) + 1
        names = dict(settings.LANGUAGES)
        languages = [(names.get(code, code), counts[code]) for code in audiences.LANGUAGE_CODES if code in counts]
        gaps = missing_translations(mailing.session)
        context = self._context(
            request,
            mailing,
            blockers=blockers,
            warnings=warnings,
            recipient_count=len(recipients),
            languages=languages,
            gaps=gaps,
            already=building.earlier_mailings(mailing),
        )
        return TemplateResponse(request, "admin/registrations/mailing/check.html", context)

    def queue_view(self, request, pk):
        return require_POST(self._queue)(request, pk)

    def _queue(self, request, pk):
        mailing = self._mailing(request, pk, change=True)
        try:
            building.queue_mailing(mailing=mailing)
        except building.MailingBlocked as blocked:
            for blocker in blocked.blockers:
                messages.error(request, blocker)
            return redirect(reverse("admin:registrations_mailing_check", args=[mailing.pk]))
        messages.success(request, _("The mailing is queued."))
        return redirect(reverse("admin:registrations_mailing_progress", args=[mailing.pk]))

    def progress_view(self, request, pk):
        mailing = self._mailing(request, pk)
        failed = mailing.deliveries.filter(status=Delivery.Status.FAILED).order_by("pk")[:50]
        context = self._context(
            request,
            mailing,
            progress=building.mailing_progress(mailing),
            failed=failed,
            running=mailing.status in (Mailing.Status.QUEUED, Mailing.Status.SENDING),
        )
        return TemplateResponse(request, "admin/registrations/mailing/progress.html", context)

    def retry_view(self, request, pk):
        return require_POST(self._retry)(request, pk)

    def _retry(self, request, pk):
        mailing = self._mailing(request, pk, change=True)
        count = building.retry_failed(mailing=mailing)
        messages.success(request, _("%(count)s failed deliveries queued again.") % {"count": count})
        return redirect(reverse("admin:registrations_mailing_progress", args=[mailing.pk]))
