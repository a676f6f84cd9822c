"""Participant pages: register, confirm by the e-mailed link, and the private token page.

No account is needed: the token in the private link is the key (``tokens.registration_for_token``).
What the private page offers comes from ``rules.participant_actions``, and the write paths in
``seats`` ask the same function, so an action the page hides is refused on POST too.
"""

import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries.fields import Country

from sessions_app.calendar import session_calendar
from sessions_app.selectors import session_by_slug
from sessions_app.timezones import format_when, zone_label

from . import personal_data, privacy, retention, seats
from .forms import AcceptNoticeForm, DetailsForm, RegistrationForm, details_initial
from .models import Delivery, Mailing, Registration
from .ratelimit import hit, rate_limit, too_many_requests
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
    notice = privacy.current_notice()
    if request.method == "POST":
        form = RegistrationForm(request.POST, session=session, notice=notice)
        if form.is_valid():
            limit, period = settings.REGISTRATION_EMAIL_RATE_LIMIT
            # Each submission may send the address a message: nobody gets to flood a mailbox.
            if not hit(scope="register-email", key=form.cleaned_data["email"], limit=limit, period=period):
                return too_many_requests(request, retry_after=period)
            try:
                seats.register_participant(session=session, data=form.cleaned_data, notice=form.cleaned_data["notice"])
            except seats.SessionBusy as error:
                return _busy(request, error)
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
        form = RegistrationForm(session=session, notice=notice, initial={"language": translation.get_language()})
    context = {
        "session": session,
        "form": form,
        "state": state,
        "state_message": seats.STATE_MESSAGES.get(state),
        "seats_left": seats.seats_left(session) if state == seats.OPEN else None,
        "privacy_notice": notice,
        "privacy_notice_version": notice.version if notice else "",
    }
    return render(request, "registrations/registration_form.html", context)


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
            seats.send_again(session=session, email=email)
        messages.success(request, _("If a registration matches, we have sent the message again."))
        return redirect("registrations:register_done", slug=session.slug)
    return render(request, "registrations/registration_submitted.html", {"session": session, "email": email})


@never_cache
@rate_limit("token", setting="TOKEN_RATE_LIMIT", default=(30, 600))
def confirm(request, token):
    """GET shows a button, POST confirms: a link preview or mail scanner never confirms by itself."""
    registration = registration_for_token(token)
    actions = participant_actions(registration)
    notice = privacy.current_notice()
    form = None
    if actions.accept_notice:
        # Added by a focal point or staff: the person reads the notice and accepts it here first.
        form = AcceptNoticeForm(request.POST or None, notice=notice)
    if request.method == "POST":
        if form is not None and not form.is_valid():
            context = _confirm_context(registration, form, notice)
            return _private(render(request, "registrations/registration_confirm.html", context))
        try:
            registration = seats.confirm_registration(
                registration=registration,
                notice=form.cleaned_data["notice"] if form is not None else None,
                contact_opt_in=bool(form is not None and form.cleaned_data.get("contact_opt_in")),
            )
        except seats.SessionBusy as error:
            return _busy(request, error)
        except seats.RegistrationError as error:
            messages.error(request, error.message)
            if registration.anonymised_at or not registration.token:
                raise Http404 from None
        else:
            _status_message(request, registration)
        return redirect(registration.get_absolute_url())
    if registration.status != Registration.Status.PENDING:
        return redirect(registration.get_absolute_url())
    return _private(
        render(request, "registrations/registration_confirm.html", _confirm_context(registration, form, notice))
    )


def _confirm_context(registration, form, notice):
    return {
        "registration": registration,
        "session": registration.session,
        "consent_form": form,
        "notice": notice,
        "notice_blocks": privacy.notice_blocks(notice.body) if notice else [],
        "retention": privacy.retention_periods(),
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
@rate_limit("token", setting="TOKEN_RATE_LIMIT", default=(30, 600))
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
        "anonymise_on": retention.personal_data_kept_until(registration),
    }
    return _private(render(request, "registrations/registration_manage.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("token", setting="TOKEN_RATE_LIMIT", default=(30, 600))
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


# ── The person's rights: download, delete, withdraw the contact opt-in ──────────────────────────


@never_cache
@require_GET
@rate_limit("token")
def my_data(request, token):
    """Everything stored about the person, as a page (``?format=json`` downloads it as JSON)."""
    registration = registration_for_token(token)
    if not participant_actions(registration).download_data:
        raise Http404
    data = personal_data.export_personal_data(registration=registration)
    if request.GET.get("format") == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
        response["Cache-Control"] = "private, no-store"
        return _private(response)
    zone_name = registration.time_zone
    context = {
        "registration": registration,
        "session": registration.session,
        "data": data,
        "registrations": [_labelled(record, zone_name=zone_name) for record in data["registrations"]],
        "deliveries": [_readable_delivery(item, zone_name=zone_name) for item in data["deliveries"]],
        "certificates": [
            {**item, "created_at": _moment(item["created_at"], zone_name)} for item in data["certificates"]
        ],
        "zone_name": zone_name,
    }
    return _private(render(request, "registrations/my_data.html", context))


# What the readable page calls the fields a person would not recognise by their column name; the
# technical ones (row number, link key, calendar counter) are in the JSON download only.
_HIDDEN_ON_PAGE = {"id", "token", "link_nonce", "legacy_token_hash", "ics_sequence", "anonymised_at", "status_label"}
_PAGE_LABELS = {
    "updated_at": gettext_lazy("last changed"),
    "created_at": gettext_lazy("registered at"),
    "session": gettext_lazy("session"),
}
# The kinds of message the portal sends, as the person knows them.
DELIVERY_KINDS = {
    "registration_confirm": gettext_lazy("Please confirm your registration"),
    "registration_link": gettext_lazy("Your private link"),
    "registration_confirmed": gettext_lazy("Registration confirmed"),
    "registration_waitlisted": gettext_lazy("On the waiting list"),
    "registration_cancelled": gettext_lazy("Registration cancelled"),
    "focal_point_invitation": gettext_lazy("Invitation to be a focal point"),
    "contribution_copy": gettext_lazy("Copy of your country's answers"),
    "account": gettext_lazy("Account"),
    "mailing": gettext_lazy("Message from the programme"),
    **{kind.value: kind.label for kind in Mailing.Kind},
}


def _moment(value, zone_name):
    """An ISO timestamp of the export, written as every page writes a time, in the person's zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return format_when(moment, None, zone_name)


def _labelled(record, *, zone_name):
    """``[(label, value), ...]`` of one exported registration, labelled as the forms call them,
    choices by their names and times in the person's zone."""
    rows = []
    for name, value in record.items():
        if name in _HIDDEN_ON_PAGE:
            continue
        if name == "attended":
            label = Registration.Status.ATTENDED.label
        else:
            field = Registration._meta.get_field(name)
            label = _PAGE_LABELS.get(name, field.verbose_name)
            if field.choices and value:
                value = str(dict(field.flatchoices).get(value, value))
            elif name == "country" and value:
                value = str(Country(value).name)
            elif name == "time_zone" and value:
                value = zone_label(value)
            elif field.get_internal_type() == "DateTimeField":
                value = _moment(value, zone_name)
        if isinstance(value, dict):
            value = value.get("title", "")
        if value is True:
            value = _("Yes")
        elif value is False:
            value = _("No")
        rows.append((str(label), "—" if value in (None, "") else value))
    return rows


def _readable_delivery(item, *, zone_name):
    return {
        "kind": str(DELIVERY_KINDS.get(item["kind"], item["kind"])),
        "subject": item["subject"],
        "status": str(dict(Delivery.Status.choices).get(item["status"], item["status"])),
        "created_at": _moment(item["created_at"], zone_name),
        "sent_at": _moment(item["sent_at"], zone_name),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("token")
def delete_my_data(request, token):
    """GET asks for confirmation; POST erases and leads to a page that says what happened."""
    registration = registration_for_token(token)
    if not participant_actions(registration).delete_data:
        raise Http404
    if request.method == "POST":
        try:
            report = personal_data.erase_personal_data(registration=registration, requested_by="person")
        except seats.SessionBusy as error:
            return _busy(request, error)
        messages.success(
            request,
            ngettext(
                "Your personal data have been deleted from %(count)d registration.",
                "Your personal data have been deleted from %(count)d registrations.",
                report.registrations,
            )
            % {"count": report.registrations},
        )
        return redirect("registrations:data_deleted")
    registrations = list(personal_data.registrations_of(registration.email))
    context = {"registration": registration, "session": registration.session, "registrations": registrations}
    return _private(render(request, "registrations/my_data_delete.html", context))


def data_deleted(request):
    """Shown after an erasure; needs no token (there is none any more) and reveals nothing."""
    return _private(render(request, "registrations/my_data_deleted.html", {"retention": privacy.retention_periods()}))


@require_POST
@rate_limit("token")
def withdraw_opt_in(request, token):
    registration = registration_for_token(token)
    try:
        seats.withdraw_contact_opt_in(registration=registration)
    except seats.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You will no longer hear from us about future activities."))
    return redirect(registration.get_absolute_url())


# ── The privacy notice ──────────────────────────────────────────────────────────────────────


def _notice_page(request, notice):
    context = {
        "notice": notice,
        "notice_blocks": privacy.notice_blocks(notice.body),
        "retention": privacy.retention_periods(),
        "current": privacy.current_notice(),
        "versions": privacy.published_versions(),
    }
    return render(request, "registrations/privacy_notice.html", context)


def privacy_notice(request):
    notice = privacy.current_notice()
    if notice is None:
        raise Http404
    return _notice_page(request, notice)


def privacy_notice_version(request, version):
    notice = privacy.published_notice(version)
    if notice is None:
        raise Http404
    return _notice_page(request, notice)
