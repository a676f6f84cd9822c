"""Staff admin for registrations: filters, search, seat actions, exports and a summary.

Status never changes through the form: it changes only through the actions, which call
``registrations.seats`` so capacity and the waiting-list order hold for staff too. Staff may add
people while registration is closed (source STAFF); they get the confirmation request like anyone.
"""

import json
from functools import partial

from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry as AuditLogEntry
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationAdmin

from sessions_app.models import Session

from . import audit, personal_data, privacy, reports, seats
from .models import PrivacyNotice, Registration, SeatReservation


class SessionFilter(admin.RelatedFieldListFilter):
    """The session filter, with each session's group fetched in the same query."""

    def field_choices(self, field, request, model_admin):
        return [
            (session.pk, str(session)) for session in Session.objects.select_related("group").order_by("-starts_at")
        ]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "email",
        "session",
        "status",
        "country",
        "institution_label",
        "gender",
        "source",
        "created_at",
    ]
    list_filter = [
        ("session", SessionFilter),
        "status",
        ("country", CountryFilter),
        "institution__kind",
        "gender",
        "source",
    ]
    search_fields = ["full_name", "email", "position", "institution_name", "institution__name", "institution__acronym"]
    list_select_related = ["session__group", "institution"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["institution"]
    change_list_template = "admin/registrations/registration/change_list.html"
    actions = [
        "confirm_selected",
        "waitlist_selected",
        "cancel_selected",
        "resend_selected",
        "export_csv",
        "export_xlsx",
        "export_personal_data",
        "erase_personal_data",
    ]
    state_fields = [
        "status",
        "source",
        "registered_by",
        "consent_text_version",
        "consent_given_at",
        "confirmed_at",
        "waitlisted_at",
        "cancelled_at",
        "created_at",
        "updated_at",
        "anonymised_at",
    ]
    # What a person gives when registering (the same list the domain functions accept), then state.
    fields = ["session", *seats.DATA_FIELDS, *state_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.state_fields, "session", "email"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [name for name in self.fields if name not in self.state_fields]
        return self.fields

    @admin.display(description=_("institution"), ordering="institution__name")
    def institution_label(self, obj):
        return str(obj.institution) if obj.institution_id else obj.institution_name

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data.get(name) for name in seats.DATA_FIELDS if name in form.cleaned_data}
        registration = seats.register_participant(
            session=obj.session, data=data, source=Registration.Source.STAFF, registered_by=request.user
        )
        obj.pk = registration.pk
        obj.token = registration.token
        obj.status = registration.status
        obj._state.adding = False

    # ── Actions ──────────────────────────────────────────────────────────────────────────────

    def _run(self, request, queryset, change):
        done, refused = 0, []
        for registration in queryset.select_related("session"):
            try:
                change(registration=registration)
            except seats.RegistrationError as error:
                refused.append(f"{registration.email}: {error.message}")
            else:
                done += 1
        return done, refused

    def _report(self, request, done, refused):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d registration updated.", "%(count)d registrations updated.", done) % {"count": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=_("Confirm (a seat if free, otherwise the waiting list)"))
    def confirm_selected(self, request, queryset):
        self._report(request, *self._run(request, queryset, partial(seats.confirm_registration, by_staff=True)))

    @admin.action(description=_("Move to the waiting list"))
    def waitlist_selected(self, request, queryset):
        self._report(request, *self._run(request, queryset, seats.move_to_waitlist))

    @admin.action(description=_("Cancel (frees the seat for the waiting list)"))
    def cancel_selected(self, request, queryset):
        self._report(request, *self._run(request, queryset, partial(seats.cancel_registration, by_staff=True)))

    @admin.action(description=_("Resend the confirmation e-mail"))
    def resend_selected(self, request, queryset):
        self._report(request, *self._run(request, queryset, seats.resend_confirmation))

    def _download(self, body, content_type, extension):
        response = HttpResponse(body, content_type=content_type)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="registrations-{stamp}.{extension}"'
        return response

    def has_export_permission(self, request):
        return request.user.has_perm("registrations.export_registration")

    def has_erase_permission(self, request):
        return request.user.has_perm("registrations.delete_registration")

    @admin.action(description=_("Export to CSV (UTF-8, opens in Excel)"), permissions=["export"])
    def export_csv(self, request, queryset):
        audit.record_export(actor=request.user, registration_ids=queryset.values_list("pk", flat=True), kind="csv")
        return self._download(reports.export_csv(queryset), "text/csv; charset=utf-8", "csv")

    @admin.action(description=_("Export to Excel (XLSX)"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        audit.record_export(actor=request.user, registration_ids=queryset.values_list("pk", flat=True), kind="xlsx")
        return self._download(
            reports.export_xlsx(queryset),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )

    # ── Data protection requests that arrive by mail ─────────────────────────────────────────

    @admin.action(description=_("Export everything stored about the selected people (JSON)"), permissions=["export"])
    def export_personal_data(self, request, queryset):
        people, seen = [], set()
        for registration in queryset.exclude(email="").order_by("pk"):
            if registration.email.lower() not in seen:
                seen.add(registration.email.lower())
                people.append(personal_data.export_personal_data(registration=registration))
        ids = [item["id"] for person in people for item in person["registrations"]]
        audit.record_export(actor=request.user, registration_ids=ids, kind="json")
        body = json.dumps(people, ensure_ascii=False, indent=2)
        return self._download(body, "application/json; charset=utf-8", "json")

    @admin.action(description=_("Erase the personal data of the selected people"), permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        """A confirmation page first; then every registration of each address is anonymised."""
        people = {}
        for registration in queryset.exclude(email="").select_related("session").order_by("pk"):
            people.setdefault(registration.email.lower(), registration)
        if request.POST.get("confirm_erasure") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Erase personal data"),
                "people": list(people.values()),
                "queryset": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return render(request, "admin/registrations/registration/erase_confirmation.html", context)
        erased = 0
        for registration in people.values():
            try:
                erased += personal_data.erase_personal_data(
                    registration=registration, actor=request.user, requested_by="staff"
                ).registrations
            except seats.RegistrationError as error:
                self.message_user(request, f"{registration.pk}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "Personal data erased from %(count)d registration.",
                "Personal data erased from %(count)d registrations.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )
        return None

    # ── Summary per session ──────────────────────────────────────────────────────────────────

    def get_urls(self):
        summary = path(
            "summary/",
            self.admin_site.admin_view(self.summary_view),
            name="registrations_registration_summary",
        )
        return [summary, *super().get_urls()]

    def summary_view(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        sessions = list(Session.objects.select_related("group").order_by("-starts_at"))
        chosen = request.GET.get("session") or request.GET.get("session__id__exact") or ""
        session = next((item for item in sessions if str(item.pk) == chosen), sessions[0] if sessions else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Registrations by country and gender"),
            "sessions": sessions,
            "chosen": session,
            "summary": reports.registration_summary(session) if session else None,
            "changelist_url": reverse("admin:registrations_registration_changelist"),
        }
        return render(request, "admin/registrations/registration/summary.html", context)


# --- seat reservations (an inline of the session's admin page) ---

"""Seats reserved per country, edited as a table on the session's admin page."""


class SeatReservationFormSet(forms.BaseInlineFormSet):
    """Refuses reservations that together exceed the session's capacity (or a session without one)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        total = sum(
            form.cleaned_data.get("seats") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if not total:
            return
        # The session form has already put the capacity typed on this page into the instance.
        capacity = self.instance.capacity
        if capacity is None:
            raise ValidationError(_("Set a capacity for the session before reserving seats for countries."))
        if total > capacity:
            raise ValidationError(
                ngettext(
                    "The reserved seats add up to %(total)d, more than the capacity of %(capacity)d seat.",
                    "The reserved seats add up to %(total)d, more than the capacity of %(capacity)d seats.",
                    capacity,
                )
                % {"total": total, "capacity": capacity}
            )


class SeatReservationInline(admin.TabularInline):
    model = SeatReservation
    formset = SeatReservationFormSet
    extra = 0
    fields = ["country", "seats"]
    verbose_name_plural = _("seats reserved per country (the rest of the capacity is open to every country)")


# --- the privacy notice: versions staff write and publish ---


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(TranslationAdmin):
    """Drafts are edited; publishing gives the next version number and freezes the text."""

    list_display = ["__str__", "version", "published_at", "published_by", "created_at"]
    actions = ["publish_selected"]
    change_list_template = "admin/registrations/privacynotice/change_list.html"
    readonly_fields = ["version", "published_at", "published_by", "retention_periods"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            # A published version is what people consented to: it is never edited, only followed.
            return [*self.readonly_fields, *[field.name for field in obj._meta.fields if field.editable]]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        """A new draft starts from the current version's text in every language."""
        current = privacy.current_notice()
        if current is None:
            return super().get_changeform_initial_data(request)
        draft = privacy.new_draft_from(current)
        names = [
            "controller",
            "contact_email",
            *[f"{name}_{code}" for name in ("controller", "body") for code in ("en", "es", "pt")],
        ]
        return {name: getattr(draft, name) for name in names}

    @admin.display(description=_("retention periods (from the settings)"))
    def retention_periods(self, obj=None):
        periods = privacy.retention_periods()
        return _(
            "Pending registrations: %(pending)s days · e-mail bodies: %(bodies)s days · personal data after "
            "the session: %(personal)s days · audit log: %(audit)s days"
        ) % {
            "pending": periods.pending_registration_days,
            "bodies": periods.delivery_body_days,
            "personal": periods.personal_data_days,
            "audit": periods.audit_days,
        }

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "retention": privacy.retention_periods()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description=_("Publish the selected draft as the new version"), permissions=["change"])
    def publish_selected(self, request, queryset):
        drafts = list(queryset.filter(published_at__isnull=True).order_by("pk"))
        if len(drafts) != 1:
            self.message_user(request, _("Select exactly one draft to publish."), messages.ERROR)
            return
        notice = privacy.publish_notice(notice=drafts[0], user=request.user)
        self.message_user(
            request, _("Published as version %(version)s.") % {"version": notice.version}, messages.SUCCESS
        )


# --- the audit log: filter by person as well as by object ---

admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    """auditlog's own page, plus a filter by staff member and a search by object id."""

    list_filter = ["action", ResourceTypeFilter, ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = [*LogEntryAdmin.search_fields, "object_pk"]
