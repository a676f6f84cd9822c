"""Staff admin for registrations: filters, search, seat actions, exports and a summary.

Status never changes through the form: it changes only through the actions, which call
``registrations.seats`` so capacity and the waiting-list order hold for staff too. Staff may add
people while registration is closed (source STAFF); they choose whether the person is e-mailed,
and a person added to a held session is recorded as attended or invited, never mailed. Every
action that e-mails people first shows a confirmation page: how many, in which language, what
they get, and what they were sent before.
"""

import json
from functools import partial

from allauth.mfa.models import Authenticator
from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry as AuditLogEntry
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationAdmin

from sessions_app.models import Session

from . import audit, notifications, personal_data, privacy, reports, seats
from .models import PrivacyNotice, Registration, SeatReservation, StaffAuthenticator


class UsedCountryFilter(CountryFilter):
    """Only the countries that appear in the list, not the world's ~250."""

    def lookups(self, request, model_admin):
        used = set(model_admin.get_queryset(request).order_by().values_list(self.field.name, flat=True).distinct())
        return [(code, name) for code, name in countries if code in used]


class RegistrationAdminForm(forms.ModelForm):
    """The add form: errors on the fields, a zone from the country, and the choice to e-mail."""

    notify = forms.BooleanField(
        label=_("E-mail this person"),
        required=False,
        help_text=_(
            "Upcoming session: send the confirmation request now. Unticked, nobody is e-mailed; "
            "you can send it later with the “Resend the confirmation e-mail” action."
        ),
    )
    attended = forms.BooleanField(
        label=_("Attended (held session)"),
        required=False,
        help_text=_(
            "For a session already held: ticked, the person is recorded as attended; "
            "otherwise as invited (confirmed). Nobody is e-mailed."
        ),
    )

    class Meta:
        model = Registration
        fields = ["session", *seats.DATA_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "time_zone" in self.fields:
            self.fields["time_zone"].required = False
            self.fields["time_zone"].initial = ""
            self.fields["time_zone"].help_text = _("Leave blank to use the time zone of the person's country.")

    def clean_time_zone(self):
        value = (self.cleaned_data.get("time_zone") or "").strip()
        if value and value not in seats.known_time_zones():
            raise ValidationError(
                _("“%(value)s” is not an IANA time zone such as Europe/Madrid."), params={"value": value}
            )
        return value

    def clean(self):
        cleaned = super().clean()
        session, email = cleaned.get("session"), (cleaned.get("email") or "").strip()
        if self.instance.pk is None and session is not None and email:
            if seats.find_registration(session=session, email=email) is not None:
                self.add_error("email", _("This address is already registered for this session."))
            if cleaned.get("notify") and seats.session_is_held(session):
                self.add_error("notify", _("This session has been held: nobody is asked to confirm any more."))
        return cleaned


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
        ("country", UsedCountryFilter),
        "institution__kind",
        "gender",
        "source",
    ]
    search_fields = ["full_name", "email", "position", "institution_name", "institution__name", "institution__acronym"]
    list_select_related = ["session__group", "institution"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["institution"]
    form = RegistrationAdminForm
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
            return [*(name for name in self.fields if name not in self.state_fields), "notify", "attended"]
        return self.fields

    @admin.display(description=_("institution"), ordering="institution__name")
    def institution_label(self, obj):
        return str(obj.institution) if obj.institution_id else obj.institution_name

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data.get(name) for name in seats.DATA_FIELDS if name in form.cleaned_data}
        registration = seats.add_by_staff(
            session=obj.session,
            data=data,
            registered_by=request.user,
            notify=form.cleaned_data.get("notify", False),
            attended=form.cleaned_data.get("attended", False),
        )
        if registration.status == Registration.Status.PENDING and not form.cleaned_data.get("notify"):
            messages.info(request, _("No e-mail was sent. Use “Resend the confirmation e-mail” when you are ready."))
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

    # Each action that e-mails people: the message they get, and the kinds already sent to them before.
    MAILING_ACTIONS = {
        "confirm_selected": ("registration_confirmed", partial(seats.confirm_registration, by_staff=True)),
        "waitlist_selected": ("registration_waitlisted", seats.move_to_waitlist),
        "cancel_selected": ("registration_cancelled", partial(seats.cancel_registration, by_staff=True)),
        "resend_selected": ("registration_confirm", seats.resend_confirmation),
    }

    def _guarded(self, request, queryset, action):
        """Run ``action`` once staff confirmed on the page that shows who gets which e-mail."""
        kind, change = self.MAILING_ACTIONS[action]
        if request.POST.get("confirmed") == "yes":
            return self._report(request, *self._run(request, queryset, change))
        selected = list(queryset.select_related("session__group").order_by("language", "pk"))
        extra = {"position": 1, "had_seat": True, "promoted": False} if kind != "registration_confirm" else {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Confirm: %(action)s") % {"action": getattr(self, action).short_description},
            "action": action,
            "action_label": getattr(self, action).short_description,
            "selected": selected,
            **notifications.mailing_plan(registrations=selected, kind=kind, **extra),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registrations/registration/action_confirmation.html", context)

    @admin.action(description=_("Confirm (a seat if free, otherwise the waiting list)"))
    def confirm_selected(self, request, queryset):
        return self._guarded(request, queryset, "confirm_selected")

    @admin.action(description=_("Move to the waiting list"))
    def waitlist_selected(self, request, queryset):
        return self._guarded(request, queryset, "waitlist_selected")

    @admin.action(description=_("Cancel (frees the seat for the waiting list)"))
    def cancel_selected(self, request, queryset):
        return self._guarded(request, queryset, "cancel_selected")

    @admin.action(description=_("Resend the confirmation e-mail"))
    def resend_selected(self, request, queryset):
        return self._guarded(request, queryset, "resend_selected")

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


class SeatReservationForm(forms.ModelForm):
    class Meta:
        model = SeatReservation
        fields = ["country", "seats"]

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if country and self.instance.session_id:
            taken = SeatReservation.objects.filter(session_id=self.instance.session_id, country=country)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("country", _("This country already has seats reserved in this session."))
        return cleaned


class SeatReservationInline(admin.TabularInline):
    model = SeatReservation
    form = SeatReservationForm
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

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)  # auditlog's own column title is not translatable

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        # auditlog writes "2 changes: ..." in English whatever the language.
        if obj.action in (AuditLogEntry.Action.DELETE, AuditLogEntry.Action.ACCESS):
            return ""
        changes = obj.changes_dict
        return ngettext("%(count)d change: %(fields)s", "%(count)d changes: %(fields)s", len(changes)) % {
            "count": len(changes),
            "fields": Truncator(", ".join(changes)).chars(60),
        }

    @admin.display(description=_("User"))
    def user_url(self, obj):
        # auditlog writes "system" untranslated for changes made by no one (a command, a task).
        return super().user_url(obj) if obj.actor_id else _("system")


# --- staff's second factor: allauth's page, in the staff's language ---

admin.site.unregister(Authenticator)


@admin.register(StaffAuthenticator)
class StaffAuthenticatorAdmin(admin.ModelAdmin):
    """Who has which second factor; deleting one lets a staff member who lost their phone set it up again."""

    # Methods, not fields: allauth's fields carry no translatable names.
    list_display = ["person", "kind", "created", "last_used"]
    list_select_related = ["user"]
    fields = ["person", "kind", "created", "last_used"]
    readonly_fields = fields

    @admin.display(description=_("user"), ordering="user__email")
    def person(self, obj):
        return obj.user

    def has_add_permission(self, request):
        return False  # a staff member sets up their own second factor when they sign in

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("type"), ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return _when(obj.created_at)

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj):
        return _when(obj.last_used_at)


def _when(moment):
    """ "7 de diciembre de 2026, 02:30 (UTC)": a method's datetime is not formatted by the admin itself."""
    if moment is None:
        return "–"
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"
