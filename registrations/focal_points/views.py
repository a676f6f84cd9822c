"""The focal-point area: a signed-in, active focal point sees and changes only their country's data.

Anonymous visitors are sent to the sign-in page; signed-in users who are not (or no longer) focal
points get 403; another country's object is 404, never 403, so its existence is not revealed.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sessions_app.models import Session

from ..models import Contribution, Institution
from ..seats import RegistrationError
from . import services as focal_points
from .forms import BulkNominationForm, ContributionForm, InstitutionForm, NominationForm


def focal_point_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        focal_point = focal_points.active_focal_point(request.user)
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
    context = {
        "focal_point": request.focal_point,
        "institutions": Institution.objects.filter(country=country).order_by("name"),
        "sessions": focal_points.upcoming_sessions_for_country(country=country),
        "registrations": focal_points.country_registrations(country=country).order_by("-created_at")[:20],
        "contributions": focal_points.country_contributions(country=country),
    }
    return render(request, "focal_points/dashboard.html", context)


@focal_point_required
def institution_list(request):
    institutions = Institution.objects.filter(country=request.focal_point.country).order_by("name")
    return render(
        request,
        "focal_points/institution_list.html",
        {"focal_point": request.focal_point, "institutions": institutions},
    )


@focal_point_required
def institution_create(request):
    form = InstitutionForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            institution = focal_points.create_institution(country=request.focal_point.country, data=form.cleaned_data)
        except focal_points.DuplicateInstitution as error:
            duplicate = error.existing
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s was added to the register.") % {"name": institution})
            return redirect("focal_points:institution_list")
    return render(
        request,
        "focal_points/institution_form.html",
        {"form": form, "duplicate": duplicate, "focal_point": request.focal_point},
    )


@focal_point_required
def institution_edit(request, pk):
    institution = _institution_for_focal_point(request, pk)
    form = InstitutionForm(request.POST or None, instance=institution)
    duplicate = None
    was_verified = institution.verified
    if request.method == "POST" and form.is_valid():
        try:
            focal_points.update_institution(institution=institution, data=form.cleaned_data)
        except focal_points.DuplicateInstitution as error:
            duplicate = error.existing
            form.add_error(None, str(error))
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
        {"form": form, "duplicate": duplicate, "institution": institution, "focal_point": request.focal_point},
    )


@focal_point_required
def nomination_create(request, slug):
    session = _session_for_focal_point(slug)
    country = request.focal_point.country
    form = NominationForm(request.POST or None, country=country, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            registration = focal_points.nominate(
                session=session, focal_point=request.focal_point, data=form.cleaned_data
            )
        except (RegistrationError, focal_points.FocalPointError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s was nominated and will get an e-mail to confirm.") % {"name": registration.full_name},
            )
            return redirect("focal_points:nomination_create", slug=session.slug)
    nominations = (
        focal_points.country_registrations(country=country).filter(session=session).order_by("full_name", "pk")
    )
    return render(
        request,
        "focal_points/nomination_form.html",
        {
            "form": form,
            "session": session,
            "nominations": nominations,
            "closed": focal_points.is_closed_for_focal_points(session),
            "focal_point": request.focal_point,
        },
    )


@focal_point_required
def nomination_bulk(request, slug):
    session = _session_for_focal_point(slug)
    form = BulkNominationForm(
        request.POST or None,
        request.FILES or None,
        country=request.focal_point.country,
        initial={"language": get_language()},
    )
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = focal_points.bulk_nominate(
                session=session, focal_point=request.focal_point, results=form.cleaned_data["results"]
            )
        except focal_points.FocalPointError as error:
            form.add_error(None, str(error))
    context = {
        "form": form,
        "session": session,
        "results": results,
        "closed": focal_points.is_closed_for_focal_points(session),
        "focal_point": request.focal_point,
    }
    if results is not None:
        context["saved_count"] = sum(1 for result in results if result.ok)
        context["error_count"] = len(results) - context["saved_count"]
    return render(request, "focal_points/nomination_bulk.html", context)


@focal_point_required
def contribution_edit(request, slug):
    session = _session_for_focal_point(slug)
    country = request.focal_point.country
    contribution = focal_points.contribution_with_answers(session=session, country=country)
    submitted = contribution.status == Contribution.Status.SUBMITTED
    closed = focal_points.is_closed_for_focal_points(session)
    read_only = submitted or closed
    form = ContributionForm(request.POST or None, contribution=contribution, read_only=read_only)
    if request.method == "POST" and not read_only and form.is_valid():
        submit = "submit" in request.POST
        try:
            focal_points.save_contribution(
                session=session, country=country, answers=form.answers(), user=request.user, submit=submit
            )
        except focal_points.FocalPointError as error:
            form.add_error(None, str(error))
        else:
            if submit:
                messages.success(request, _("Your country's answers were submitted. Thank you."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("focal_points:contribution_edit", slug=session.slug)
    return render(
        request,
        "focal_points/contribution_form.html",
        {
            "form": form,
            "session": session,
            "contribution": contribution,
            "read_only": read_only,
            "submitted": submitted,
            "closed": closed,
            "focal_point": request.focal_point,
        },
    )


@focal_point_required
def registration_list(request):
    registrations = focal_points.country_registrations(country=request.focal_point.country).order_by(
        "-session__starts_at", "full_name", "pk"
    )
    return render(
        request,
        "focal_points/registration_list.html",
        {"registrations": registrations, "focal_point": request.focal_point},
    )
