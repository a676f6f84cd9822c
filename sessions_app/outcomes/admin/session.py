"""The session's admin page as the outcomes wing extends it, with the actions and pages it adds."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from common.admin import page_context
from common.email_preview import email_frame_response
from common.timezones import selectable_zone
from registrations.admin.seat_reservations import SeatReservationInline
from registrations.campaigns.automatic import reschedule_session
from registrations.forms import OptionsSelect, choice_lists
from registrations.privacy.retention import retention_warning
from registrations.reporting import figures
from registrations.reporting.summary import registration_summary
from registrations.seat_counts import seats_left, waiting_list
from sessions_app.admin import SessionAdmin as CoreSessionAdmin
from sessions_app.admin import the_one_selected
from sessions_app.models import Publication, Session
from sessions_app.outcomes import publishing
from sessions_app.outcomes.admin.waiting_list import WaitingListPages
from sessions_app.outcomes.evaluation import results as evaluation_results
from sessions_app.scheduling import save_session


@admin.action(description=_("Attendance (import the report, tick who attended)"))
def open_attendance(modeladmin, request, queryset):
    session = the_one_selected(modeladmin, request, queryset)
    if session is None:
        return None
    return HttpResponseRedirect(reverse("admin:sessions_app_attendance", kwargs={"session_pk": session.pk}))


@admin.action(description=_("Publish conclusions… (preview, choose whether to announce, confirm)"))
def publish_session_conclusions(modeladmin, request, queryset):
    session = the_one_selected(modeladmin, request, queryset)
    if session is None:
        return None
    return HttpResponseRedirect(reverse("admin:sessions_app_session_publish", args=[session.pk]))


class FiguresFilterForm(forms.Form):
    session = forms.ModelChoiceField(
        queryset=Session.objects.select_related("group").order_by("starts_at"), required=False, label=_("Session")
    )
    date_from = forms.DateField(
        required=False, label=_("Sessions from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


class PublishForm(forms.Form):
    ANNOUNCE, UPDATE = "announce", "update"
    mode = forms.ChoiceField(widget=forms.RadioSelect, label=_("What should happen"))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        count = plan.recipient_count
        announce_label = (
            ngettext(
                "Publish and announce: e-mail %(count)d registrant that the conclusions are available",
                "Publish and announce: e-mail %(count)d registrants that the conclusions are available",
                count,
            )
            if plan.is_first
            else ngettext(
                "Announce again: e-mail all %(count)d registrant once more",
                "Announce again: e-mail all %(count)d registrants once more",
                count,
            )
        ) % {"count": count}
        update_label = (
            _("Publish without announcing: render the documents, e-mail nobody")
            if plan.is_first
            else _("Update the documents only: render what changed, e-mail nobody")
        )
        self.fields["mode"].choices = [(self.UPDATE, update_label), (self.ANNOUNCE, announce_label)]
        # The safe choice is pre-selected once people have been told.
        self.fields["mode"].initial = self.ANNOUNCE if plan.is_first else self.UPDATE


class SessionAdmin(WaitingListPages, CoreSessionAdmin):
    """The session core's page (``sessions_app.admin.SessionAdmin``) with what happens around and after
    the session: registrations so far, seat reservations per country, moving people from the waiting
    list, attendance, publishing the conclusions, the group's figures. Registered in the core's place."""

    readonly_fields = [*CoreSessionAdmin.readonly_fields, "registration_summary"]
    # Seat reservations per country come after the concept note's inlines.
    inlines = [*CoreSessionAdmin.inlines, SeatReservationInline]
    actions = [*CoreSessionAdmin.actions, open_attendance, publish_session_conclusions]
    # The registrations summary goes before the computed agenda and the calendar file.
    fieldsets = [
        *CoreSessionAdmin.fieldsets[:-2],
        (_("Registrations so far"), {"fields": ["registration_summary"]}),
        *CoreSessionAdmin.fieldsets[-2:],
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        zone = form.base_fields.get("time_zone")
        if zone is not None:
            # The public registration form's zone picker: zones grouped by country, named by city.
            choices = choice_lists(translation.get_language() or settings.LANGUAGE_CODE)["zones"]
            current = obj.time_zone if obj is not None else zone.initial
            field = forms.ChoiceField(
                label=zone.label,
                help_text=_("The organiser's zone, in which the times below are typed."),
                widget=OptionsSelect,
            )
            field.choices = choices if not current or selectable_zone(current) else [(current, current), *choices]
            form.base_fields["time_zone"] = field
        return form

    @admin.display(description=_("confirmed, waitlisted and cancelled, by country and by gender"))
    def registration_summary(self, obj):
        if obj is None or obj.pk is None:
            return _("Nobody can register before the session is saved.")
        return render_to_string(
            "admin/registrations/registration/includes/summary_tables.html",
            {"summary": registration_summary(obj)},
        )

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # A new start raises the calendar SEQUENCE and sends confirmed participants an update.
        if save_session(session=obj, reschedule=reschedule_session) is not None:
            messages.info(request, _("The confirmed participants will receive the new time and calendar file."))

    def warn_after_save(self, request, form, formsets, change):
        reservations_changed = any(
            formset.model is SeatReservationInline.model and formset.has_changed() for formset in formsets
        )
        if change and ("capacity" in form.changed_data or reservations_changed):
            # Seats freed by a higher capacity (or fewer reserved seats) go to the waiting list only
            # once staff have seen who gets which e-mail (the promotion page).
            waiting = waiting_list(form.instance).count()
            free = seats_left(form.instance)
            if waiting and (free is None or free > 0):
                messages.warning(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Seats are free and people are waiting."),
                        reverse("admin:sessions_app_session_promote", args=[form.instance.pk]),
                        _("Review the e-mail and move them from the waiting list…"),
                    ),
                )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Staff read it before they add people, record attendance or issue certificates.
        if request.method == "GET":
            session = self.get_object(request, object_id)
            if session is not None and (warning := retention_warning(session)):
                messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("figures/", view(self.figures_view), name="sessions_app_session_figures"),
            path("<int:pk>/publish/", view(self.publish_view), name="sessions_app_session_publish"),
            path(
                "<int:pk>/publish/preview/",
                view(self.publish_preview_view),
                name="sessions_app_session_publish_preview",
            ),
            path("<int:pk>/promote/", view(self.promote_view), name="sessions_app_session_promote"),
            path(
                "<int:pk>/promote/preview/",
                view(self.promote_preview_view),
                name="sessions_app_session_promote_preview",
            ),
            path(
                "publication/<int:pk>/",
                view(self.publication_view),
                name="sessions_app_session_publication",
            ),
            *super().get_urls(),
        ]

    def _session_for(self, request, pk):
        session = Session.objects.select_related("group").filter(pk=pk).first()
        if session is None:
            raise Http404
        if not self.has_change_permission(request, session):
            raise PermissionDenied
        return session

    def publish_view(self, request, pk):
        """The confirmation page: recipients by language, the e-mail, earlier publications; then the choice."""
        session = self._session_for(request, pk)
        plan = publishing.publication_plan(session)
        form = PublishForm(request.POST or None, plan=plan)
        if request.method == "POST" and plan.has_conclusions and form.is_valid():
            publication = publishing.publish_conclusions(
                session=session, announce=form.cleaned_data["mode"] == PublishForm.ANNOUNCE, requested_by=request.user
            )
            return HttpResponseRedirect(reverse("admin:sessions_app_session_publication", args=[publication.pk]))
        language = request.GET.get("language")
        if language not in publishing.LANGUAGE_CODES:
            language = next((code for code, _name, count in plan.recipients_by_language if count), "en")
        subject, body, _html = publishing.announcement_preview_parts(
            session=session, language=language, named=request.user.has_perm("registrations.view_registration")
        )
        context = page_context(
            self,
            request,
            opts=Session._meta,
            original=session,
            title=_("Publish the conclusions: %(session)s") % {"session": session},
            session=session,
            plan=plan,
            form=form,
            preview_language=language,
            subject=subject,
            body_text=body,
            frame_url=reverse("admin:sessions_app_session_publish_preview", args=[session.pk])
            + "?"
            + urlencode({"language": language}),
            languages=settings.LANGUAGES,
        )
        return render(request, "admin/sessions_app/session/publish.html", context)

    @method_decorator(xframe_options_sameorigin)
    def publish_preview_view(self, request, pk):
        """The announcement's HTML alone, for the publish page's sandboxed frames (common.email_preview)."""
        session = self._session_for(request, pk)
        language = request.GET.get("language")
        if language not in publishing.LANGUAGE_CODES:
            language = "en"
        _subject, _body, html = publishing.announcement_preview_parts(
            session=session, language=language, named=request.user.has_perm("registrations.view_registration")
        )
        return email_frame_response(html)

    def publication_view(self, request, pk):
        """Progress of one publication; the page refreshes itself (no script) while work remains."""
        publication = Publication.objects.select_related("session__group", "requested_by").filter(pk=pk).first()
        if publication is None:
            raise Http404
        if not self.has_view_permission(request, publication.session):
            raise PermissionDenied
        context = page_context(
            self,
            request,
            opts=Session._meta,
            original=publication.session,
            title=_("Publication of the conclusions: %(session)s") % {"session": publication.session},
            publication=publication,
            session=publication.session,
            deliveries=publishing.publication_deliveries(publication),
        )
        return render(request, "admin/sessions_app/session/publication.html", context)

    def figures_view(self, request):
        """Registrations, confirmations and attendance per session, country, institution kind and gender."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FiguresFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        sessions = figures.selected_sessions(
            session_id=filters.get("session").pk if filters.get("session") else None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        data = figures.group_figures(sessions=sessions)
        tables = figures.tables(data)
        wanted = request.GET.get("csv")
        # Knowledge: the evaluation's results of the selected sessions, with their CSV export.
        evaluations = evaluation_results.results_for_sessions(sessions)
        for results in evaluations:
            if wanted == f"evaluation-{results.questionnaire.pk}":
                body = figures.table_csv(*evaluation_results.results_table(results))
                response = HttpResponse(body, content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="evaluation-{results.questionnaire.pk}.csv"'
                return response
        if wanted in tables:
            response = HttpResponse(figures.table_csv(*tables[wanted]), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="figures-{wanted}.csv"'
            return response
        query = request.GET.copy()
        query.pop("csv", None)
        charts = {
            name: figures.bar_chart(chart_id=f"chart-{name}", title=title, description=description, rows=rows)
            for name, title, description, rows in (
                (
                    "sessions",
                    _("Registrations, confirmations and attendance by session"),
                    _("Three bars per session: registrations, confirmed and attended."),
                    data.by_session,
                ),
                (
                    "countries",
                    _("Registrations, confirmations and attendance by country"),
                    _("Three bars per country: registrations, confirmed and attended."),
                    data.by_country,
                ),
                (
                    "kinds",
                    _("Registrations, confirmations and attendance by institution kind"),
                    _("Three bars per institution kind: registrations, confirmed and attended."),
                    data.by_kind,
                ),
                (
                    "genders",
                    _("Registrations, confirmations and attendance by gender"),
                    _("Three bars per gender: registrations, confirmed and attended."),
                    data.by_gender,
                ),
            )
        }
        sections = [
            {"name": name, "caption": caption, "header": header, "rows": rows, "chart": charts.get(name)}
            for name, (caption, header, rows) in tables.items()
        ]
        context = page_context(
            self,
            request,
            opts=Session._meta,
            title=_("The group's figures"),
            form=form,
            figures=data,
            sections=sections,
            query=query.urlencode(),
            evaluations=evaluations,
        )
        return render(request, "admin/sessions_app/session/figures.html", context)


admin.site.unregister(Session)
admin.site.register(Session, SessionAdmin)
