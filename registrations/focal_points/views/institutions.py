"""The country's register of institutions: list, add, change, delete and merge."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registrations.focal_points import managing
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.forms import (
    InstitutionForm,
    MergeInstitutionForm,
)
from registrations.focal_points.institutions import DuplicateInstitution, create_institution, update_institution
from registrations.focal_points.views.access import (
    focal_point_required,
    institution_for_focal_point,
    session_for_focal_point,
)
from registrations.models import Institution


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


def _bulk_session_for_return(request):
    """The session whose bulk nominations sent the person to add an institution (``?session=``),
    or None: the only place the institution form sends anyone back to, so no open redirect."""
    slug = request.GET.get("session", "")
    if not slug:
        return None
    try:
        return session_for_focal_point(slug)
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
    institution = institution_for_focal_point(request, pk)
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
@require_http_methods(["GET", "POST"])
def institution_delete(request, pk):
    institution = institution_for_focal_point(request, pk)
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
    target = institution_for_focal_point(request, pk)
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
