"""The focal-point area: a signed-in, active focal point sees and changes only their country's data.

Anonymous visitors are sent to the sign-in page; signed-in users who are not (or no longer) focal
points get 403; another country's object is 404, never 403, so its existence is not revealed.
"""

import zoneinfo
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registrations.focal_points import answer_copies, exports, managing
from registrations.focal_points.answers import (
    ContributionChanged,
    contribution_version,
    contribution_with_answers,
    country_contributions,
    save_contribution,
    submit_contribution,
    unanswered_questions,
)
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.forms import (
    BulkNominationForm,
    ContributionForm,
    ContributionReviewForm,
    InstitutionForm,
    MergeInstitutionForm,
    NominationEditForm,
    NominationForm,
    nomination_rows,
)
from registrations.focal_points.institutions import DuplicateInstitution, create_institution, update_institution
from registrations.focal_points.invitations import active_focal_point, display_name
from registrations.focal_points.nominations import (
    bulk_nominate,
    country_registrations,
    is_closed_for_focal_points,
    nominate,
    upcoming_sessions_for_country,
)
from registrations.focal_points.times import focal_point_zone, moment_times, session_times
from registrations.models import Contribution, Institution
from registrations.seats import RegistrationError
from sessions_app.languages import language_for_country
from sessions_app.models import Session


def focal_point_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        focal_point = active_focal_point(request.user)
        if focal_point is None:
            raise PermissionDenied(_("This area is for the countries' focal points."))
        request.focal_point = focal_point
        return view(request, *args, **kwargs)

    return wrapper


def _institution_for_focal_point(request, pk):
    return get_object_or_404(Institution, pk=pk, country=request.focal_point.country)


def _session_for_focal_point(slug):
    """A session the focal point may act on: public and not cancelled."""
    try:
        return (
            Session.objects.exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
            .select_related("group")
            .get(slug=slug)
        )
    except Session.DoesNotExist:
        raise Http404 from None


@focal_point_required
def dashboard(request):
    country = request.focal_point.country
    zone_name = focal_point_zone(request.focal_point)
    sessions = list(upcoming_sessions_for_country(country=country))
    for session in sessions:
        session.times = session_times(session, zone_name=zone_name)
    context = {
        "focal_point": request.focal_point,
        "display_name": display_name(request.user),
        "zone_name": zone_name,
        "institutions": Institution.objects.filter(country=country).order_by("name"),
        "sessions": sessions,
        "registrations": country_registrations(country=country).order_by("-created_at")[:20],
        "contributions": country_contributions(country=country),
    }
    return render(request, "focal_points/dashboard.html", context)


@focal_point_required
def institution_list(request):
    institutions = list(Institution.objects.filter(country=request.focal_point.country).order_by("name"))
    return render(
        request,
        "focal_points/institution_list.html",
        {
            "focal_point": request.focal_point,
            "institutions": institutions,
            "likely_duplicates": managing.likely_duplicates(institutions),
        },
    )


def _times(request, session):
    return session_times(session, zone_name=focal_point_zone(request.focal_point))


def _bulk_session_for_return(request):
    """The session whose bulk nominations sent the person to add an institution (``?session=``),
    or None: the only place the institution form sends anyone back to, so no open redirect."""
    slug = request.GET.get("session", "")
    if not slug:
        return None
    try:
        return _session_for_focal_point(slug)
    except Http404:
        return None


@focal_point_required
def institution_create(request):
    return_to = _bulk_session_for_return(request)
    # From a bulk nomination's unknown institution: the name typed there is filled in.
    initial = {"name": request.GET.get("name", "")[:255]}
    form = InstitutionForm(request.POST or None, initial=initial)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            institution = create_institution(country=request.focal_point.country, data=form.cleaned_data)
        except DuplicateInstitution as error:
            duplicate = error.existing
        else:
            messages.success(request, _("%(name)s was added to the register.") % {"name": institution})
            if return_to is not None:
                return redirect("focal_points:nomination_bulk", slug=return_to.slug)
            return redirect("focal_points:institution_list")
    return render(
        request,
        "focal_points/institution_form.html",
        {"form": form, "duplicate": duplicate, "return_to": return_to, "focal_point": request.focal_point},
    )


@focal_point_required
def institution_edit(request, pk):
    institution = _institution_for_focal_point(request, pk)
    form = InstitutionForm(request.POST or None, instance=institution)
    duplicate = None
    was_verified = institution.verified
    if request.method == "POST" and form.is_valid():
        try:
            update_institution(institution=institution, data=form.cleaned_data)
        except DuplicateInstitution as error:
            duplicate = error.existing
        else:
            if was_verified and not institution.verified:
                messages.success(
                    request,
                    _("%(name)s was saved. Its name changed, so the programme team will verify it again.")
                    % {"name": institution},
                )
            else:
                messages.success(request, _("%(name)s was saved.") % {"name": institution})
            return redirect("focal_points:institution_list")
    return render(
        request,
        "focal_points/institution_form.html",
        {
            "form": form,
            "duplicate": duplicate,
            "institution": institution,
            "focal_point": request.focal_point,
            # journeys: merge a duplicate into this entry, or delete it when nothing uses it
            "merge_form": MergeInstitutionForm(target=institution),
            "uses": managing.institution_uses(institution),
        },
    )


@focal_point_required
def nomination_create(request, slug):
    session = _session_for_focal_point(slug)
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
            "times": _times(request, session),
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
    session = _session_for_focal_point(slug)
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
        "times": _times(request, session),
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


def _contribution_context(request, session):
    country = request.focal_point.country
    contribution = contribution_with_answers(session=session, country=country)
    submitted = contribution.status == Contribution.Status.SUBMITTED
    closed = is_closed_for_focal_points(session)
    zone_name = focal_point_zone(request.focal_point)
    return {
        "session": session,
        "times": session_times(session, zone_name=zone_name),
        "submitted_times": (
            moment_times(contribution.submitted_at, zone_name=zone_name, session=session)
            if submitted and contribution.submitted_at
            else None
        ),
        "contribution": contribution,
        "read_only": submitted or closed,
        "submitted": submitted,
        "closed": closed,
        "focal_point": request.focal_point,
    }


@focal_point_required
def contribution_edit(request, slug):
    """The answers as a draft. "Review and submit" saves the draft first, then shows the review
    step; nothing is submitted from this page."""
    session = _session_for_focal_point(slug)
    context = _contribution_context(request, session)
    read_only = context["read_only"]
    form = ContributionForm(request.POST or None, contribution=context["contribution"], read_only=read_only)
    if request.method == "POST" and not read_only and form.is_valid():
        # "submit" is what the page's button was once called: it too leads to the review, never further.
        review = "review" in request.POST or "submit" in request.POST
        try:
            save_contribution(
                session=session, country=request.focal_point.country, answers=form.answers(), user=request.user
            )
        except FocalPointError as error:
            form.add_error(None, str(error))
        else:
            if review:
                return redirect("focal_points:contribution_review", slug=session.slug)
            messages.success(request, _("Draft saved."))
            return redirect("focal_points:contribution_edit", slug=session.slug)
    context["form"] = form
    return render(request, "focal_points/contribution_form.html", context)


@focal_point_required
def contribution_review(request, slug):
    """Every question with the saved answer, the unanswered ones flagged, and the explicit
    confirmation that submits. A POST without the confirmation changes nothing."""
    session = _session_for_focal_point(slug)
    context = _contribution_context(request, session)
    contribution = context["contribution"]
    if context["read_only"] or contribution.pk is None:
        return redirect("focal_points:contribution_edit", slug=session.slug)
    version = contribution_version(contribution)
    form = ContributionReviewForm(request.POST or None, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        try:
            submitted = submit_contribution(
                session=session,
                country=request.focal_point.country,
                user=request.user,
                version=form.cleaned_data["version"],
            )
        except ContributionChanged as error:
            messages.warning(request, str(error))
            return redirect("focal_points:contribution_review", slug=session.slug)
        except FocalPointError as error:
            form.add_error(None, str(error))
        else:
            # journeys: the focal point's own copy of what was submitted
            answer_copies.send_answers_copy(contribution=submitted, focal_point=request.focal_point)
            messages.success(
                request,
                _("Your country's answers were submitted. Thank you. A copy was sent to %(email)s.")
                % {"email": request.user.email},
            )
            return redirect("focal_points:contribution_edit", slug=session.slug)
    unanswered = unanswered_questions(contribution)
    context.update(
        {
            "form": form,
            "unanswered": unanswered,
            "answered_count": len(contribution.ordered) - len(unanswered),
            "numbered": list(enumerate(contribution.ordered, start=1)),
        }
    )
    return render(request, "focal_points/contribution_review.html", context)


# --- journeys: the country's registrations, filtered and exported; managing nominations ----------


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


@focal_point_required
@require_http_methods(["GET", "POST"])
def institution_delete(request, pk):
    institution = _institution_for_focal_point(request, pk)
    uses = managing.institution_uses(institution)
    if request.method == "POST":
        try:
            managing.delete_institution(institution=institution, focal_point=request.focal_point)
        except FocalPointError as error:
            messages.error(request, str(error))
            return redirect("focal_points:institution_edit", pk=institution.pk)
        messages.success(request, _("%(name)s was deleted from the register.") % {"name": institution})
        return redirect("focal_points:institution_list")
    return render(
        request,
        "focal_points/institution_delete.html",
        {"institution": institution, "uses": uses, "focal_point": request.focal_point},
    )


@focal_point_required
@require_POST
def institution_merge(request, pk):
    """Merge the institution chosen in the edit page's "merge" form into this one."""
    target = _institution_for_focal_point(request, pk)
    form = MergeInstitutionForm(request.POST, target=target)
    if not form.is_valid():
        for error in form.errors.get("duplicate", []):
            messages.error(request, error)
        return redirect("focal_points:institution_edit", pk=target.pk)
    duplicate = form.cleaned_data["duplicate"]
    try:
        managing.merge_into(target=target, duplicate=duplicate, focal_point=request.focal_point)
    except FocalPointError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(duplicate)s was merged into %(name)s.") % {"duplicate": duplicate, "name": target}
        )
    return redirect("focal_points:institution_edit", pk=target.pk)
