"""Staff admin for registrations: filters, search, seat actions, exports and a summary.

Status never changes through the form: it changes only through the actions, which call
``registrations.seats`` so capacity and the waiting-list order hold for staff too. Staff may add
people while registration is closed (source STAFF); they choose whether the person is e-mailed,
and a person added to a held session is recorded as attended or invited, never mailed. Every
action that e-mails people first shows a confirmation page: how many, in which language, what
they get, and what they were sent before (``mailing_actions``).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.filters import CountryFilter

from common.admin import page_context
from common.timezones import selectable_zone
from registrations import registering, seats
from registrations.admin.mailing_actions import MailingActions
from registrations.models import Registration
from registrations.privacy import audit, personal_data, retention
from registrations.reporting import exports
from registrations.reporting.summary import registration_summary
from sessions_app.models import Session


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
        fields = ["session", *registering.DATA_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "time_zone" in self.fields:
            self.fields["time_zone"].required = False
            self.fields["time_zone"].initial = ""
            self.fields["time_zone"].help_text = _("Leave blank to use the time zone of the person's country.")

    def clean_time_zone(self):
        value = (self.cleaned_data.get("time_zone") or "").strip()
        if value and not selectable_zone(value):
            raise ValidationError(
                _("“%(value)s” is not an IANA time zone such as Europe/Madrid."), params={"value": value}
            )
        return value

    def clean(self):
        cleaned = super().clean()
        session, email = cleaned.get("session"), (cleaned.get("email") or "").strip()
        if self.instance.pk is None and session is not None and email:
            if registering.find_registration(session=session, email=email) is not None:
                self.add_error("email", _("This address is already registered for this session."))
            if cleaned.get("notify") and registering.session_is_held(session):
                self.add_error("notify", _("This session has been held: nobody is asked to confirm any more."))
        return cleaned


class SessionFilter(admin.RelatedFieldListFilter):
    """The session filter, with each session's group fetched in the same query."""

    def field_choices(self, field, request, model_admin):
        return [
            (session.pk, str(session)) for session in Session.objects.select_related("group").order_by("-starts_at")
        ]


@admin.register(Registration)
class RegistrationAdmin(MailingActions, admin.ModelAdmin):
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
    # "View on site" would hand staff the person's live private link (registrations.tokens).
    view_on_site = False
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
    fields = ["session", *registering.DATA_FIELDS, *state_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.state_fields, "session", "email"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*(name for name in self.fields if name not in self.state_fields), "notify", "attended"]
        return self.fields

    def add_view(self, request, form_url="", extra_context=None):
        # Staff read it before they pick the session, not after the registration is saved.
        if request.method == "GET":
            for session in Session.objects.order_by("starts_at"):
                if warning := retention.retention_warning(session):
                    messages.warning(request, f"{session}: {warning}")
        return super().add_view(request, form_url, extra_context)

    @admin.display(description=_("institution"), ordering="institution__name")
    def institution_label(self, obj):
        return str(obj.institution) if obj.institution_id else obj.institution_name

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data.get(name) for name in registering.DATA_FIELDS if name in form.cleaned_data}
        registration = registering.add_by_staff(
            session=obj.session,
            data=data,
            registered_by=request.user,
            notify=form.cleaned_data.get("notify", False),
            attended=form.cleaned_data.get("attended", False),
        )
        if registration.status == Registration.Status.PENDING and not form.cleaned_data.get("notify"):
            messages.info(request, _("No e-mail was sent. Use “Resend the confirmation e-mail” when you are ready."))
        obj.pk = registration.pk
        obj.link_nonce = registration.link_nonce
        obj.status = registration.status
        obj._state.adding = False

    # ── Actions (those that e-mail people are in mailing_actions) ────────────────────────────

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
        return self._download(exports.export_csv(queryset), "text/csv; charset=utf-8", "csv")

    @admin.action(description=_("Export to Excel (XLSX)"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        audit.record_export(actor=request.user, registration_ids=queryset.values_list("pk", flat=True), kind="xlsx")
        return self._download(
            exports.export_xlsx(queryset),
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
            context = page_context(
                self,
                request,
                title=_("Erase personal data"),
                people=list(people.values()),
                queryset=queryset,
                action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
            )
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
        view = self.admin_site.admin_view
        return [
            path("summary/", view(self.summary_view), name="registrations_registration_summary"),
            path(
                "preview/<str:action>/<str:ids>/",
                view(self.action_preview_view),
                name="registrations_registration_action_preview",
            ),
            *super().get_urls(),
        ]

    def summary_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        sessions = list(Session.objects.select_related("group").order_by("-starts_at"))
        chosen = request.GET.get("session") or request.GET.get("session__id__exact") or ""
        session = next((item for item in sessions if str(item.pk) == chosen), sessions[0] if sessions else None)
        context = page_context(
            self,
            request,
            title=_("Registrations by country and gender"),
            sessions=sessions,
            chosen=session,
            summary=registration_summary(session) if session else None,
            changelist_url=reverse("admin:registrations_registration_changelist"),
        )
        return render(request, "admin/registrations/registration/summary.html", context)
