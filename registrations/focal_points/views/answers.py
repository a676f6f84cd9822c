"""The country's answers to a session's guiding questions: drafting, then reviewing and submitting."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registrations.focal_points import answer_copies
from registrations.focal_points.answers import (
    ContributionChanged,
    contribution_version,
    contribution_with_answers,
    save_contribution,
    submit_contribution,
    unanswered_questions,
)
from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.forms import (
    ContributionForm,
    ContributionReviewForm,
)
from registrations.focal_points.nominations import (
    is_closed_for_focal_points,
)
from registrations.focal_points.times import focal_point_zone, moment_times, session_times
from registrations.focal_points.views.access import (
    focal_point_required,
    session_for_focal_point,
)
from registrations.models import Contribution


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
    session = session_for_focal_point(slug)
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
    session = session_for_focal_point(slug)
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
