"""The person's data-protection pages: see and download what is stored, erase it, read the notice.

The private pages take the participant's token like the participant's own pages (``registrations/views.py``).
"""

import json
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_countries.fields import Country

from common.ratelimit import token_rate_limit
from common.timezones import format_when, zone_label
from registrations import consent, seats
from registrations.models import Delivery, Mailing, Registration
from registrations.privacy import notice as notice_versions
from registrations.privacy import personal_data
from registrations.rules import participant_actions
from registrations.tokens import registration_for_token
from registrations.views import busy_page, private_page

# ── The person's rights: download and delete (withdrawing the contact opt-in is in seats) ──────


@never_cache
@require_GET
@token_rate_limit(methods=("GET",))
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
        return private_page(response)
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
    return private_page(render(request, "privacy/my_data.html", context))


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
@token_rate_limit()
def delete_my_data(request, token):
    """GET asks for confirmation; POST erases and leads to a page that says what happened."""
    registration = registration_for_token(token)
    if not participant_actions(registration).delete_data:
        raise Http404
    if request.method == "POST":
        try:
            report = personal_data.erase_personal_data(registration=registration, requested_by="person")
        except seats.SessionBusy as error:
            return busy_page(request, error)
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
    return private_page(render(request, "privacy/my_data_delete.html", context))


def data_deleted(request):
    """Shown after an erasure; needs no token (there is none any more) and reveals nothing."""
    return private_page(render(request, "privacy/my_data_deleted.html", {"retention": consent.retention_periods()}))


# ── The privacy notice ──────────────────────────────────────────────────────────────────────


def _notice_page(request, notice):
    context = {
        "notice": notice,
        "notice_blocks": consent.notice_blocks(notice.body),
        "retention": consent.retention_periods(),
        "current": consent.current_notice(),
        "versions": notice_versions.published_versions(),
    }
    return render(request, "privacy/privacy_notice.html", context)


def privacy_notice(request):
    notice = consent.current_notice()
    if notice is None:
        raise Http404
    return _notice_page(request, notice)


def privacy_notice_version(request, version):
    notice = consent.published_notice(version)
    if notice is None:
        raise Http404
    return _notice_page(request, notice)
