"""Staff side of the focal points: invitations, deactivation, moves between countries, the
verification and merging of institutions, and the countries' answers side by side with exports.
"""

from datetime import UTC

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries.fields import Country

from common import spreadsheets
from common.admin import page_context
from registrations.focal_points.answers import reopen_contribution, with_answers
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.forms import InviteFocalPointForm
from registrations.focal_points.institutions import merge_institutions
from registrations.focal_points.invitations import (
    deactivate_focal_point,
    invite_focal_point,
    move_focal_point,
    reactivate_focal_point,
    send_invitation,
)
from registrations.models import Contribution, ContributionAnswer, FocalPoint, Institution
from sessions_app.models import Session

# --- institutions ---------------------------------------------------------------------------------


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "country", "kind", "sector", "verified"]
    list_filter = ["verified", "country", "kind", "sector"]
    search_fields = ["name", "acronym", "website", "contact_email"]
    actions = ["verify", "merge"]

    @admin.action(description=gettext_lazy("Mark as verified"), permissions=["change"])
    def verify(self, request, queryset):
        count = queryset.update(verified=True)
        self.message_user(request, _("%(count)d institutions verified.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Merge duplicates…"), permissions=["change"])
    def merge(self, request, queryset):
        institutions = list(queryset.order_by("-verified", "created_at", "pk"))
        if len(institutions) < 2:
            self.message_user(request, _("Select at least two institutions to merge."), messages.WARNING)
            return None
        if len({institution.country.code for institution in institutions}) > 1:
            self.message_user(request, _("Only institutions of the same country can be merged."), messages.ERROR)
            return None
        if "apply" in request.POST:
            target = next(
                (item for item in institutions if str(item.pk) == request.POST.get("target")),
                None,
            )
            if target is None:
                self.message_user(request, _("Choose the institution to keep."), messages.ERROR)
            else:
                merge_institutions(target=target, duplicates=institutions)
                self.message_user(
                    request,
                    _("Merged %(count)d institutions into %(name)s.")
                    % {"count": len(institutions) - 1, "name": target},
                    messages.SUCCESS,
                )
                return None
        return TemplateResponse(
            request,
            "admin/registrations/institution/merge.html",
            page_context(
                self,
                request,
                title=_("Merge duplicate institutions"),
                institutions=institutions,
                action_checkbox_name=ACTION_CHECKBOX_NAME,
            ),
        )


# --- focal points ---------------------------------------------------------------------------------


class FocalPointAdminForm(forms.ModelForm):
    """The institution must be of the focal point's country. The list offers that country's
    institutions only (a short list: a plain select rather than an autocomplete of every country)."""

    class Meta:
        model = FocalPoint
        fields = ["country", "institution", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "institution" in self.fields and not self.is_bound:
            self._offer_institutions_of(self.instance.country if self.instance.pk else None)

    def _offer_institutions_of(self, country):
        self.fields["institution"].queryset = Institution.objects.filter(country=country or "").order_by("name")

    def clean(self):
        # Validated against every institution so that another country's gets the clear message
        # below rather than "not one of the available choices".
        cleaned = super().clean()
        country, institution = cleaned.get("country"), cleaned.get("institution")
        if institution is not None and country and institution.country != country:
            self.add_error(
                "institution",
                _("%(institution)s is of %(other)s: choose an institution of %(country)s or leave it empty.")
                % {
                    "institution": institution,
                    "other": institution.country.name,
                    "country": Country(code=country).name,
                },
            )
        if "institution" in self.fields:
            self._offer_institutions_of(country or self.instance.country)
        return cleaned


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    form = FocalPointAdminForm
    # The institution is a plain select of the country's institutions (FocalPointAdminForm).
    autocomplete_fields = ["user"]
    list_display = ["__str__", "country", "institution", "is_active"]
    list_filter = ["country", "is_active"]
    list_select_related = ["user", "institution"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "institution__name"]
    readonly_fields = ["user"]
    fields = [*readonly_fields, *FocalPointAdminForm.Meta.fields]
    actions = ["deactivate", "reactivate", "resend_invitation"]
    change_list_template = "admin/registrations/focalpoint/change_list.html"

    def get_urls(self):
        return [
            path("invite/", self.admin_site.admin_view(self.invite_view), name="registrations_focalpoint_invite"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        # A focal point is added by invitation (below), which creates the account as well.
        return False

    def invite_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = InviteFocalPointForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                focal_point = invite_focal_point(**form.cleaned_data)
            except FocalPointError as error:
                form.add_error("email", str(error))
            else:
                self.message_user(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": focal_point.user.email},
                    messages.SUCCESS,
                )
                return redirect("admin:registrations_focalpoint_changelist")
        return TemplateResponse(
            request,
            "admin/registrations/focalpoint/invite.html",
            page_context(
                self,
                request,
                title=_("Invite a focal point"),
                form=form,
            ),
        )

    def save_model(self, request, obj, form, change):
        """Moving to another country and (de)activating go through the domain functions, which
        also drop the old country's institution and lock or unlock the account."""
        changed = set(form.changed_data)
        if change and "country" in changed:
            move_focal_point(focal_point=obj, country=obj.country)
        super().save_model(request, obj, form, change)
        if change and "is_active" in changed:
            if obj.is_active:
                reactivate_focal_point(focal_point=obj)
            else:
                deactivate_focal_point(focal_point=obj)

    @admin.action(description=gettext_lazy("Deactivate (the person can no longer sign in)"), permissions=["change"])
    def deactivate(self, request, queryset):
        for focal_point in queryset.select_related("user"):
            deactivate_focal_point(focal_point=focal_point)
        self.message_user(request, _("Focal points deactivated."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Reactivate"), permissions=["change"])
    def reactivate(self, request, queryset):
        for focal_point in queryset.select_related("user"):
            reactivate_focal_point(focal_point=focal_point)
        self.message_user(request, _("Focal points reactivated."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Send the invitation again"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        for focal_point in queryset.select_related("user"):
            # The invitee's language (of the first invitation), not the admin's.
            send_invitation(focal_point=focal_point)
        self.message_user(request, _("Invitations queued."), messages.SUCCESS)


# --- contributions ---------------------------------------------------------------------------------


class ContributionAnswerInline(admin.TabularInline):
    model = ContributionAnswer
    fields = ["question", "text"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # answers are written by the focal point, on the portal


EXPORT_HEADER = [
    gettext_lazy("Session"),
    gettext_lazy("Country"),
    gettext_lazy("Status"),
    gettext_lazy("Submitted at (UTC)"),
    gettext_lazy("Question number"),
    gettext_lazy("Question"),
    gettext_lazy("Answer"),
]


def export_rows(queryset):
    answers = ContributionAnswer.objects.select_related("question").order_by("question__order", "question__pk")
    # Drafts with nothing written say nothing: they are left out.
    contributions = (
        with_answers(queryset).select_related("session").prefetch_related(Prefetch("answers", queryset=answers))
    )
    for contribution in contributions.order_by("session__starts_at", "country"):
        submitted = (
            contribution.submitted_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if contribution.submitted_at else ""
        )
        for number, answer in enumerate(contribution.answers.all(), start=1):
            yield [
                contribution.session.title,
                contribution.country.name,
                contribution.get_status_display(),
                submitted,
                number,
                answer.question.text,
                answer.text,
            ]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["session", "country", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "session", "country"]
    list_select_related = ["session", "session__group"]
    fields = ["session", "country", "status", "submitted_at", "updated_by"]
    readonly_fields = fields
    inlines = [ContributionAnswerInline]
    actions = ["reopen", "export_csv", "export_xlsx"]
    change_list_template = "admin/registrations/contribution/change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "side-by-side/",
                self.admin_site.admin_view(self.side_by_side_view),
                name="registrations_contribution_side_by_side",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Reopen for the focal point"), permissions=["change"])
    def reopen(self, request, queryset):
        for contribution in queryset:
            reopen_contribution(contribution=contribution, user=request.user)
        self.message_user(request, _("Contributions reopened as drafts."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        body = spreadsheets.csv_bytes([str(title) for title in EXPORT_HEADER], export_rows(queryset))
        response = HttpResponse(body, content_type=spreadsheets.CSV_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="contributions.csv"'
        return response

    @admin.action(description=gettext_lazy("Export as Excel (XLSX)"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        header = [str(title) for title in EXPORT_HEADER]
        body = spreadsheets.xlsx_bytes(header, export_rows(queryset), title="Contributions")
        response = HttpResponse(body, content_type=spreadsheets.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="contributions.xlsx"'
        return response

    def side_by_side_view(self, request):
        """One row per guiding question, one column per country, for the chosen session."""
        # admin_view only checks is_staff: staff without access to contributions see nothing.
        if not self.has_view_permission(request):
            raise PermissionDenied
        answered = with_answers(Contribution.objects.all())
        sessions = Session.objects.filter(Exists(answered.filter(session=OuterRef("pk")))).order_by("-starts_at")
        session = None
        session_pk = request.GET.get("session", "")
        if session_pk.isdigit():
            session = sessions.filter(pk=session_pk).first()
        if session is None:
            session = sessions.first()
        rows, contributions = [], []
        if session is not None:
            contributions = list(answered.filter(session=session).prefetch_related("answers").order_by("country"))
            by_contribution = [
                {answer.question_id: answer.text for answer in contribution.answers.all()}
                for contribution in contributions
            ]
            for question in session.guiding_questions.order_by("order", "pk"):
                rows.append((question, [answers.get(question.pk, "") for answers in by_contribution]))
        return TemplateResponse(
            request,
            "admin/registrations/contribution/side_by_side.html",
            page_context(
                self,
                request,
                title=_("Countries' answers side by side"),
                sessions=sessions,
                session=session,
                contributions=contributions,
                rows=rows,
            ),
        )
