"""The registration actions that e-mail people (confirm, move to the waiting list, cancel, resend the
confirmation request): a confirmation page first, that shows how many get which message in which
language and what they were sent before, each language's HTML message in sandboxed frames as the
mailing preview shows it (``common.email_preview``); then the change, through ``registrations.seats``.

Only staff who may change registrations run them. The previews are written for a placeholder
person unless the viewer may also view registrations, and never hold a live private link.
"""

import re
from functools import partial

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from common.admin import page_context
from common.email_preview import email_frame_response
from registrations import notifications, registering, seats

# Comma-separated primary keys, each short enough to be a database integer.
IDS = re.compile(r"[0-9]{1,18}(?:,[0-9]{1,18})*")


class MailingActions:
    """For the Registration admin (``registrations.RegistrationAdmin``), which lists the actions and
    routes ``action_preview_view`` as ``registrations_registration_action_preview``."""

    # Each action that e-mails people: the message they get, and the change it makes.
    MAILING_ACTIONS = {
        "confirm_selected": ("registration_confirmed", partial(seats.confirm_registration, by_staff=True)),
        "waitlist_selected": ("registration_waitlisted", seats.move_to_waitlist),
        "cancel_selected": ("registration_cancelled", partial(seats.cancel_registration, by_staff=True)),
        "resend_selected": ("registration_confirm", registering.resend_confirmation),
    }

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

    def _plan(self, request, queryset, action):
        """(the selection in the page's order, the message kind, what the previews are written with):
        the same for the confirmation page and for its frames."""
        kind, _change = self.MAILING_ACTIONS[action]
        selected = list(queryset.select_related("session__group").order_by("language", "pk"))
        extra = {"position": 1, "had_seat": True, "promoted": False} if kind != "registration_confirm" else {}
        return selected, kind, {"named": request.user.has_perm("registrations.view_registration"), **extra}

    def _guarded(self, request, queryset, action):
        """Run ``action`` once staff confirmed on the page that shows who gets which e-mail."""
        if request.POST.get("confirmed") == "yes":
            return self._report(request, *self._run(request, queryset, self.MAILING_ACTIONS[action][1]))
        selected, kind, options = self._plan(request, queryset, action)
        ids = ",".join(str(registration.pk) for registration in notifications.previewed(selected))
        context = page_context(
            self,
            request,
            title=_("Confirm: %(action)s") % {"action": getattr(self, action).short_description},
            action=action,
            action_label=getattr(self, action).short_description,
            selected=selected,
            frame_url=reverse("admin:registrations_registration_action_preview", args=[action, ids]),
            **notifications.mailing_plan(registrations=selected, kind=kind, **options),
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, "admin/registrations/registration/action_confirmation.html", context)

    @method_decorator(xframe_options_sameorigin)
    def action_preview_view(self, request, action, ids):
        """The HTML message of ``action`` in ``?language=`` for the confirmation page's sandboxed frames:
        the registrations ``ids`` (``notifications.previewed``) rebuilt as the page has them.

        Raises PermissionDenied to staff who may not run the action, Http404 for an action that
        e-mails nobody or ids that are not all registrations, BadRequest without a site language.
        """
        if not self.has_change_permission(request):
            raise PermissionDenied
        if action not in self.MAILING_ACTIONS or not IDS.fullmatch(ids):
            raise Http404
        language = request.GET.get("language")
        if language not in dict(settings.LANGUAGES):
            raise BadRequest("The preview needs ?language= with a language of the site.")
        wanted = {int(pk) for pk in ids.split(",")}
        selected, kind, options = self._plan(request, self.get_queryset(request).filter(pk__in=wanted), action)
        if len(selected) != len(wanted):
            raise Http404
        html = notifications.plan_preview_html(
            registrations=selected, kind=kind, language=language, session=selected[0].session, **options
        )
        return email_frame_response(html)

    @admin.action(description=_("Confirm (a seat if free, otherwise the waiting list)"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        return self._guarded(request, queryset, "confirm_selected")

    @admin.action(description=_("Move to the waiting list"), permissions=["change"])
    def waitlist_selected(self, request, queryset):
        return self._guarded(request, queryset, "waitlist_selected")

    @admin.action(description=_("Cancel (frees the seat for the waiting list)"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        return self._guarded(request, queryset, "cancel_selected")

    @admin.action(description=_("Resend the confirmation e-mail"), permissions=["change"])
    def resend_selected(self, request, queryset):
        return self._guarded(request, queryset, "resend_selected")
