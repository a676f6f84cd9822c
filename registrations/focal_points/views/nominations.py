"""Nominating participants (one by one or in bulk) and managing the country's nominations and register."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registrations.focal_points import exports, managing
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.forms import (
    BulkNominationForm,
    NominationEditForm,
    NominationForm,
    nomination_rows,
)
from registrations.focal_points.nominations import (
    bulk_nominate,
    country_registrations,
    is_closed_for_focal_points,
    nominate,
)
from registrations.focal_points.times import focal_point_zone
from registrations.focal_points.views.access import (
    focal_point_required,
    session_for_focal_point,
    times_for,
)
from registrations.seats import RegistrationError
from sessions_app.languages import language_for_country
from sessions_app.models import Session


@focal_point_required
def nomination_create(request, slug):
    session = session_for_focal_point(slug)
    country = request.focal_point.country
    # The people nominated are the country's: their e-mails default to its language, not to the
    # language the focal point happens to read the portal in.
    form = NominationForm(request.POST or None, country=country, initial={"language": language_for_country(country)})
    if request.method == "POST" and form.is_valid():
        try:
            registration = nominate(session=session, focal_point=request.focal_point, data=form.cleaned_data)
        except (RegistrationError, FocalPointError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s was nominated and will get an e-mail to confirm.") % {"name": registration.full_name},
            )
            return redirect("focal_points:nomination_create", slug=session.slug)
    nominations = country_registrations(country=country).filter(session=session).order_by("full_name", "pk")
    return render(
        request,
        "focal_points/nomination_form.html",
        {
            "form": form,
            "session": session,
            "times": times_for(request, session),
            "nominations": nominations,
            "closed": is_closed_for_focal_points(session),
            "focal_point": request.focal_point,
        },
    )


def _pending_rows_key(session):
    return f"focal_points:bulk_rows:{session.pk}"


def _pending_choices(request, session):
    """(rows, language) kept in the person's session while they add an institution or correct rows;
    (None, None) when nothing waits."""
    kept = request.session.get(_pending_rows_key(session))
    if not kept:
        return None, None
    if isinstance(kept, str):  # kept before the language was kept too
        return kept, None
    return kept.get("rows") or None, kept.get("language")


def _keep_choices(request, session, *, rows, language):
    request.session[_pending_rows_key(session)] = {"rows": rows[:100_000], "language": language}


@focal_point_required
def nomination_bulk(request, slug):
    """Nominate from pasted rows or a CSV file. The rows not saved go back into the box, each
    with its reasons, and stay there (in the person's session) while they add a missing
    institution, until a sending saves them all."""
    session = session_for_focal_point(slug)
    country = request.focal_point.country
    default_language = language_for_country(country)
    form = BulkNominationForm(
        request.POST or None,
        request.FILES or None,
        country=country,
        initial={"language": default_language},
    )
    results = pending = None
    add_institution = request.POST.get("add_institution", "").strip()[:255]
    if request.method == "POST" and add_institution:
        # Keep the box and every choice as the person left them (with their corrections) while they
        # add the institution: the language chosen is the one the people's e-mails go out in.
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES):
            language = default_language
        _keep_choices(request, session, rows=request.POST.get("rows", ""), language=language)
        query = urlencode({"name": add_institution, "session": session.slug})
        return redirect(f"{reverse('focal_points:institution_create')}?{query}")
    if request.method == "POST" and form.is_valid():
        try:
            results = bulk_nominate(
                session=session, focal_point=request.focal_point, results=form.cleaned_data["results"]
            )
        except FocalPointError as error:
            form.add_error(None, str(error))
        else:
            pending = [result for result in results if not result.ok]
            text = "\n".join(result.text for result in pending)
            if text:
                _keep_choices(request, session, rows=text, language=form.cleaned_data["language"])
            else:
                request.session.pop(_pending_rows_key(session), None)
            # A new, unbound form: the box holds the rows to correct, and only those.
            form = BulkNominationForm(
                country=country, initial={"rows": text, "language": form.cleaned_data["language"]}
            )
    elif request.method == "GET" and _pending_choices(request, session)[0]:
        text, language = _pending_choices(request, session)
        language = language or default_language
        form = BulkNominationForm(country=country, initial={"rows": text, "language": language})
        # Checked again as they stand now (an institution may have been added meanwhile); nothing is saved.
        pending = nomination_rows(text, country=country, language=language)
    context = {
        "form": form,
        "session": session,
        "times": times_for(request, session),
        "results": results,
        "pending": pending,
        "closed": is_closed_for_focal_points(session),
        "focal_point": request.focal_point,
    }
    if results is not None:
        context["nominated"] = [result for result in results if result.ok]
        context["saved_count"] = len(context["nominated"])
        context["error_count"] = len(results) - context["saved_count"]
    return render(request, "focal_points/nomination_bulk.html", context)


@focal_point_required
def registration_list(request):
    """The country's registrations, by session if asked (``?session=<slug>``), as a page or as a
    CSV/XLSX file (``?format=csv|xlsx``)."""
    country = request.focal_point.country
    registrations = country_registrations(country=country).order_by("-session__starts_at", "full_name", "pk")
    sessions = list(
        Session.objects.filter(pk__in=country_registrations(country=country).values("session"))
        .order_by("-starts_at")
        .only("pk", "slug", "title", "number", "starts_at")
    )
    chosen = next((session for session in sessions if session.slug == request.GET.get("session")), None)
    if chosen is not None:
        registrations = registrations.filter(session=chosen)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        zone = zoneinfo.ZoneInfo(focal_point_zone(request.focal_point) or "UTC")
        stamp = timezone.now().strftime("%Y%m%d")
        name = f"registrations-{country.code.lower()}-{chosen.slug if chosen else 'all'}-{stamp}.{export}"
        if export == "csv":
            response = HttpResponse(exports.as_csv(registrations, zone=zone), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(exports.as_xlsx(registrations, zone=zone), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    rows = list(registrations)
    for registration in rows:
        registration.actions = managing.nomination_actions(registration, focal_point=request.focal_point)
    return render(
        request,
        "focal_points/registration_list.html",
        {
            "registrations": rows,
            "sessions": sessions,
            "chosen": chosen,
            "focal_point": request.focal_point,
            "manage": True,
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _nomination_or_404(request, pk):
    registration = managing.nomination_for_focal_point(focal_point=request.focal_point, pk=pk)
    if registration is None:
        raise Http404
    return registration


def _back_to_list(registration):
    return redirect(f"{reverse('focal_points:registration_list')}?{urlencode({'session': registration.session.slug})}")


@focal_point_required
def nomination_edit(request, pk):
    registration = _nomination_or_404(request, pk)
    actions = managing.nomination_actions(registration, focal_point=request.focal_point)
    if not actions.edit:
        messages.info(request, _("This nomination can no longer be changed."))
        return _back_to_list(registration)
    initial = {
        "full_name": registration.full_name,
        "position": registration.position,
        "institution": registration.institution_id,
        "language": registration.language,
    }
    form = NominationEditForm(request.POST or None, country=request.focal_point.country, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            managing.edit_nomination(registration=registration, focal_point=request.focal_point, data=form.cleaned_data)
        except FocalPointError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The nomination of %(name)s was saved.") % {"name": form.cleaned_data["full_name"]}
            )
            return _back_to_list(registration)
    return render(
        request,
        "focal_points/nomination_edit.html",
        {"form": form, "registration": registration, "focal_point": request.focal_point, "actions": actions},
    )


@focal_point_required
@require_http_methods(["GET", "POST"])
def nomination_withdraw(request, pk):
    """GET asks "are you sure?", POST withdraws: never in one click."""
    registration = _nomination_or_404(request, pk)
    if request.method == "POST":
        try:
            managing.withdraw_nomination(registration=registration, focal_point=request.focal_point)
        except (FocalPointError, RegistrationError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The nomination of %(name)s was withdrawn.") % {"name": registration.full_name})
        return _back_to_list(registration)
    actions = managing.nomination_actions(registration, focal_point=request.focal_point)
    if not actions.withdraw:
        messages.info(request, _("This nomination can no longer be changed."))
        return _back_to_list(registration)
    return render(
        request,
        "focal_points/nomination_withdraw.html",
        {"registration": registration, "focal_point": request.focal_point},
    )


@focal_point_required
@require_POST
def nomination_resend(request, pk):
    registration = _nomination_or_404(request, pk)
    try:
        managing.resend_nomination(registration=registration, focal_point=request.focal_point)
    except FocalPointError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The message was sent again to %(email)s.") % {"email": registration.email})
    return _back_to_list(registration)
