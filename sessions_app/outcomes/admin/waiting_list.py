"""Moving people from a session's waiting list, from its admin page: who gets the free seats and the
e-mail they get, previewed as the mailing preview shows a message (``common.email_preview``)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from common.admin import page_context
from common.email_preview import email_frame_response
from registrations import notifications
from registrations.seat_counts import seats_left, waiting_list
from registrations.seats import promote_from_waitlist
from sessions_app.models import Session

KIND = "registration_confirmed"


def promotion(session):
    """(free seats or None, how many wait, who would get a seat now)."""
    free = seats_left(session)
    queue = list(waiting_list(session).select_related("session__group"))
    # In order; with seats reserved per country some of them may have to keep waiting.
    return free, len(queue), queue if free is None else queue[:free]


class WaitingListPages:
    """For the Session admin (``session.SessionAdmin``), which routes ``promote_view`` and
    ``promote_preview_view`` and provides ``_session_for``."""

    def promote_view(self, request, pk):
        """Confirm, then give the free seats to the waiting list in order (each promoted person is e-mailed)."""
        session = self._session_for(request, pk)
        if request.method == "POST" and request.POST.get("confirmed") == "yes":
            promoted = promote_from_waitlist(session=session)
            messages.info(
                request,
                ngettext(
                    "%(count)d person moved from the waiting list to confirmed.",
                    "%(count)d people moved from the waiting list to confirmed.",
                    len(promoted),
                )
                % {"count": len(promoted)},
            )
            return HttpResponseRedirect(reverse("admin:sessions_app_session_change", args=[session.pk]))
        free, waiting, candidates = promotion(session)
        context = page_context(
            self,
            request,
            opts=Session._meta,
            original=session,
            title=_("Move people from the waiting list: %(session)s") % {"session": session},
            session=session,
            free=free,
            waiting=waiting,
            candidates=candidates,
            frame_url=reverse("admin:sessions_app_session_promote_preview", args=[session.pk]),
            **notifications.mailing_plan(
                registrations=candidates,
                kind=KIND,
                named=request.user.has_perm("registrations.view_registration"),
                promoted=True,
                join_url=session.join_url,
            ),
        )
        return TemplateResponse(request, "admin/sessions_app/session/promote_confirmation.html", context)

    @method_decorator(xframe_options_sameorigin)
    def promote_preview_view(self, request, pk):
        """The promotion e-mail's HTML alone, in ``?language=``, for the sandboxed frames of the
        promotion page (common.email_preview); a placeholder person unless the viewer may see registrations."""
        session = self._session_for(request, pk)
        language = request.GET.get("language")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        html = notifications.plan_preview_html(
            registrations=promotion(session)[2],
            kind=KIND,
            language=language,
            session=session,
            named=request.user.has_perm("registrations.view_registration"),
            promoted=True,
            join_url=session.join_url,
        )
        return email_frame_response(html)
