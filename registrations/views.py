"""Participant pages: register, confirm by the e-mailed link, and the private token page.

No account is needed: the token in the private link is the key (``tokens.registration_for_token``).
What the private page offers comes from ``rules.participant_actions``, and the write paths in
``seats`` ask the same function, so an action the page hides is refused on POST too.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sessions_app.calendar import session_calendar
from sessions_app.selectors import session_by_slug

from . import seats
from .forms import DetailsForm, RegistrationForm, details_initial
from .models import Registration
from .notifications import format_when
from .ratelimit import rate_limit
from .rules import participant_actions
from .tokens import registration_for_token


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _busy(request, error):
    response = render(request, "registrations/registration_busy.html", {"message": error.message}, status=503)
    response["Retry-After"] = "5"
    return response


@rate_limit("register")
def register(request, slug):
    session = session_by_slug(slug)
    state = seats.registration_state(session)
    if request.method == "POST":
        form = RegistrationForm(request.POST, session=session)
        if form.is_valid():
            try:
                seats.register_participant(session=session, data=form.cleaned_data)
            except seats.SessionBusy as error:
                return _busy(request, error)
            except seats.RegistrationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("registrations:register_done", slug=session.slug)
    else:
        form = RegistrationForm(session=session, initial={"language": translation.get_language()})
    context = {
        "session": session,
        "form": form,
        "state": state,
        "state_message": seats.STATE_MESSAGES.get(state),
        "seats_left": seats.seats_left(session) if state == seats.OPEN else None,
        "privacy_notice_version": seats.PRIVACY_NOTICE_VERSION,
    }
    return render(request, "registrations/registration_form.html", context)


def register_done(request, slug):
    """Shown after every valid submission, new or repeated, so it reveals nothing about an address."""
    session = session_by_slug(slug)
    return render(request, "registrations/registration_submitted.html", {"session": session})


@never_cache
@rate_limit("token")
def confirm(request, token):
    """GET shows a button, POST confirms: a link preview or mail scanner never confirms by itself."""
    registration = registration_for_token(token)
    if request.method == "POST":
        try:
            registration = seats.confirm_registration(registration=registration)
        except seats.SessionBusy as error:
            return _busy(request, error)
        except seats.RegistrationError as error:
            messages.error(request, error.message)
        else:
            _status_message(request, registration)
        return redirect(registration.get_absolute_url())
    if registration.status != Registration.Status.PENDING:
        return redirect(registration.get_absolute_url())
    context = {"registration": registration, "session": registration.session}
    return _private(render(request, "registrations/registration_confirm.html", context))


def _status_message(request, registration):
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, _("Your registration is confirmed. We have sent you an e-mail with the details."))
    elif registration.status == Registration.Status.WAITLISTED:
        messages.warning(
            request,
            _("The session is full: you are number %(position)s on the waiting list.")
            % {"position": seats.waitlist_position(registration)},
        )


@never_cache
@rate_limit("token")
def manage(request, token):
    """The private page: status, waiting-list position, join link once confirmed, details, cancel."""
    registration = registration_for_token(token)
    session = registration.session
    actions = participant_actions(registration)
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            try:
                seats.change_details(registration=registration, data=form.cleaned_data)
            except seats.RegistrationError as error:
                messages.error(request, error.message)
                return redirect(registration.get_absolute_url())
            # The page in the (possibly new) language, on the host the visitor is using: SITE_URL is
            # for e-mails, and may name another host or port than the one serving this request.
            with translation.override(registration.language):
                messages.success(request, _("Your details have been saved."))
                return redirect("registrations:manage", token=registration.token)
    else:
        form = DetailsForm(initial=details_initial(registration))
    context = {
        "registration": registration,
        "session": session,
        "form": form,
        "actions": actions,
        "position": seats.waitlist_position(registration),
        "when_local": format_when(session.starts_at, session.ends_at, registration.time_zone),
        "when_session": format_when(session.starts_at, session.ends_at, session.time_zone),
        "join_url": session.join_url if actions.join_link else "",
        "state_message": seats.STATE_MESSAGES.get(actions.state),
    }
    return _private(render(request, "registrations/registration_manage.html", context))


@never_cache
@rate_limit("token")
def cancel(request, token):
    """GET asks "are you sure?" (with what will happen), POST cancels: never in one click."""
    registration = registration_for_token(token)
    actions = participant_actions(registration)
    if request.method != "POST":
        if not actions.cancel:
            return redirect(registration.get_absolute_url())
        context = {
            "registration": registration,
            "session": registration.session,
            "has_seat": registration.status in seats.SEAT_STATUSES,
        }
        return _private(render(request, "registrations/registration_cancel.html", context))
    try:
        seats.cancel_registration(registration=registration)
    except seats.SessionBusy as error:
        return _busy(request, error)
    except seats.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect(registration.get_absolute_url())


@never_cache
def calendar(request, token):
    """The person's .ics: with the join link only once they are confirmed."""
    registration = registration_for_token(token)
    if not participant_actions(registration).calendar:
        raise Http404
    body = session_calendar(registration.session, registration=registration)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{registration.session.slug}.ics"'
    return _private(response)
