"""Participant pages: register, confirm by the e-mailed link, and the private token page.

No account is needed: the token in the private link is the key (``tokens.registration_for_token``).
What the private page offers comes from ``rules.participant_actions``, and the write paths in
``seats`` ask the same function, so an action the page hides is refused on POST too.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from common.pagecache import CONTENT, SEATS, fragment_version, reads_generations
from common.ratelimit import hit, rate_limit, token_rate_limit, too_many_requests
from common.timezones import format_when
from registrations import consent, notifications, registering, seat_counts, seats
from registrations.consent import CURRENT_NOTICE
from registrations.forms import (
    INSTITUTIONS,
    AcceptNoticeForm,
    DetailsForm,
    FindRegistrationForm,
    RegistrationForm,
    details_initial,
)
from registrations.models import Registration
from registrations.rules import participant_actions
from registrations.tokens import PAGE_RELATED, registration_for_token
from sessions_app.calendar import session_calendar
from sessions_app.selectors import session_by_slug


def private_page(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def busy_page(request, error):
    response = render(request, "registrations/registration_busy.html", {"message": error.message}, status=503)
    response["Retry-After"] = "5"
    return response


@rate_limit("register")
# What the page keeps per process (the session, the privacy notice, the institutions of the form,
# the seats left) and its form's fragment depend on these: read in one round trip.
@reads_generations(CONTENT, SEATS, CURRENT_NOTICE.name, INSTITUTIONS.name)
def register(request, slug):
    session = session_by_slug(slug)
    state = seats.registration_state(session)
    notice = consent.current_notice()
    if request.method == "POST":
        form = RegistrationForm(request.POST, session=session, notice=notice)
        if form.is_valid():
            limit, period = settings.REGISTRATION_EMAIL_RATE_LIMIT
            # Each submission may send the address a message: nobody gets to flood a mailbox.
            if not hit(scope="register-email", key=form.cleaned_data["email"], limit=limit, period=period):
                return too_many_requests(request, retry_after=period)
            try:
                registering.register_participant(
                    session=session, data=form.cleaned_data, notice=form.cleaned_data["notice"]
                )
            except seats.SessionBusy as error:
                return busy_page(request, error)
            except seats.RegistrationError as error:
                form.add_error(None, error.message)
            else:
                # The next page shows the address typed (in this browser only: a signed cookie, no
                # session row per registrant, nothing in the URL) and can send the message again.
                response = redirect("registrations:register_done", slug=session.slug)
                response.set_signed_cookie(
                    _typed_address_key(session),
                    form.cleaned_data["email"],
                    salt=TYPED_ADDRESS_SALT,
                    max_age=TYPED_ADDRESS_SECONDS,
                    path=reverse("registrations:register_done", kwargs={"slug": session.slug}),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
                return response
    else:
        # Built only when its fragment is rendered: the empty form is the same for everyone in a
        # language (the template keeps it under the generations it depends on).
        language = translation.get_language()
        form = SimpleLazyObject(
            lambda: RegistrationForm(session=session, notice=notice, initial={"language": language})
        )
    context = {
        "session": session,
        "form": form,
        "has_errors": request.method == "POST" and bool(form.errors),
        "form_fragment_key": None
        if request.method == "POST"
        else f"{translation.get_language()}:{fragment_version(INSTITUTIONS.name, CURRENT_NOTICE.name)}",
        "state": state,
        "state_message": seats.STATE_MESSAGES.get(state),
        "seats_left": seat_counts.seats_left_shown(session) if state == seats.OPEN else None,
        "privacy_notice": notice,
        "privacy_notice_version": notice.version if notice else "",
    }
    return render(request, "registrations/registration_form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("find", setting="FIND_REGISTRATION_RATE_LIMIT")
def find_registration(request):
    """ "Find my registration": the person's address in, their private links out by e-mail.

    Every valid address gets the same answer (a redirect to the same page), registered or not, and
    whether or not its own limit (FIND_REGISTRATION_EMAIL_RATE_LIMIT, so nobody can flood an inbox)
    let a message go.
    """
    form = FindRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limit, period = settings.FIND_REGISTRATION_EMAIL_RATE_LIMIT
        if hit(scope="find-email", key=email, limit=limit, period=period):
            notifications.send_private_links(email=email)
        return redirect("registrations:find_registration_sent")
    return render(request, "registrations/find_registration.html", {"form": form})


def find_registration_sent(request):
    """The one answer to "find my registration", for every address."""
    return render(request, "registrations/find_registration_sent.html")


TYPED_ADDRESS_SALT = "registrations.typed-address"
TYPED_ADDRESS_SECONDS = 3600


def _typed_address_key(session):
    return f"typed_address_{session.pk}"


@require_http_methods(["GET", "POST"])
def register_done(request, slug):
    """Shown after every valid submission, new or repeated, so it reveals nothing about an address:
    it shows the address this browser typed and offers to send the message again (POST), with the
    same answer whether or not anything was sent."""
    session = session_by_slug(slug)
    email = request.get_signed_cookie(
        _typed_address_key(session), default="", salt=TYPED_ADDRESS_SALT, max_age=TYPED_ADDRESS_SECONDS
    )
    if request.method == "POST":
        if email:
            limit, period = settings.REGISTRATION_EMAIL_RATE_LIMIT
            if not hit(scope="register-email", key=email, limit=limit, period=period):
                return too_many_requests(request, retry_after=period)
            registering.send_again(session=session, email=email)
        messages.success(request, _("If a registration matches, we have sent the message again."))
        return redirect("registrations:register_done", slug=session.slug)
    return render(request, "registrations/registration_submitted.html", {"session": session, "email": email})


@never_cache
@token_rate_limit()
def confirm(request, token):
    """GET shows a button, POST confirms: a link preview or mail scanner never confirms by itself."""
    posted = request.method == "POST"
    # A POST reads the registration again under its locks (seats.confirm_registration): before
    # them it needs only the session, not the group and institution that the page shows.
    registration = registration_for_token(token, related=("session",) if posted else PAGE_RELATED)
    actions = participant_actions(registration)
    # Shown on the page; read for a POST only from someone who must accept it here.
    notice = consent.current_notice() if actions.accept_notice or not posted else None
    form = None
    if actions.accept_notice:
        # Added by a focal point or staff: the person reads the notice and accepts it here first.
        form = AcceptNoticeForm(request.POST or None, notice=notice)
    if posted:
        if form is not None and not form.is_valid():
            context = _confirm_context(registration, form, notice)
            return private_page(render(request, "registrations/registration_confirm.html", context))
        try:
            registration = seats.confirm_registration(
                registration=registration,
                notice=form.cleaned_data["notice"] if form is not None else None,
                contact_opt_in=bool(form is not None and form.cleaned_data.get("contact_opt_in")),
            )
        except seats.SessionBusy as error:
            return busy_page(request, error)
        except seats.RegistrationError as error:
            messages.error(request, error.message)
            if registration.anonymised_at or not registration.token:
                raise Http404 from None
        else:
            _status_message(request, registration)
        return redirect(registration.get_absolute_url())
    if registration.status != Registration.Status.PENDING:
        return redirect(registration.get_absolute_url())
    return private_page(
        render(request, "registrations/registration_confirm.html", _confirm_context(registration, form, notice))
    )


def _confirm_context(registration, form, notice):
    return {
        "registration": registration,
        "session": registration.session,
        "consent_form": form,
        "notice": notice,
        "notice_blocks": consent.notice_blocks(notice.body) if notice else [],
        "retention": consent.retention_periods(),
    }


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
@token_rate_limit()
def manage(request, token):
    """The private page: status, waiting-list position, join link once confirmed, details, cancel."""
    registration = registration_for_token(token)
    session = registration.session
    actions = participant_actions(registration)
    country_locked = not actions.change_country
    if request.method == "POST":
        # With the country locked, the disabled field keeps its initial value.
        form = DetailsForm(request.POST, initial=details_initial(registration), country_locked=country_locked)
        if form.is_valid():
            try:
                registration = registering.change_details(registration=registration, data=form.cleaned_data)
            except seats.RegistrationError as error:
                messages.error(request, error.message)
                return redirect(registration.get_absolute_url())
            # The page in the (possibly new) language, on the host the visitor is using: SITE_URL is
            # for e-mails, and may name another host or port than the one serving this request.
            with translation.override(registration.language):
                messages.success(request, _("Your details have been saved."))
                return redirect("registrations:manage", token=registration.token)
    else:
        form = DetailsForm(initial=details_initial(registration), country_locked=country_locked)
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
        "anonymise_on": consent.personal_data_kept_until(registration),
    }
    return private_page(render(request, "registrations/registration_manage.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
@token_rate_limit()
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
        return private_page(render(request, "registrations/registration_cancel.html", context))
    try:
        seats.cancel_registration(registration=registration)
    except seats.SessionBusy as error:
        return busy_page(request, error)
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
    return private_page(response)


@require_POST
@token_rate_limit()
def withdraw_opt_in(request, token):
    registration = registration_for_token(token)
    try:
        registering.withdraw_contact_opt_in(registration=registration)
    except seats.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You will no longer hear from us about future activities."))
    return redirect(registration.get_absolute_url())
