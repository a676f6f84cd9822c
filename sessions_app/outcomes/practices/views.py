"""The public catalogue and detail pages, and the focal points' proposal pages.

A practice that is not published is visible to staff and to its country's focal points only; for
anyone else it does not exist (404, GET and POST alike)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common import uploads
from registrations.focal_points.views.access import focal_point_required
from sessions_app.outcomes.practices import catalogue, review
from sessions_app.outcomes.practices.forms import PracticeForm
from sessions_app.outcomes.practices.models import Practice, PracticeDocument
from sessions_app.outcomes.practices.publishing import save_practice
from sessions_app.outcomes.practices.text import WRITTEN_IN, rich_text, text_in

PAGE_SIZE = 12


@require_GET
def practice_list(request):
    filters = catalogue.clean_filters(request.GET)
    paginator = Paginator(catalogue.practice_list(filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    language = get_language()
    for practice in page.object_list:
        practice.shown_language, practice.text = text_in(practice, language)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "facets": catalogue.facets(filters),
        "filters": filters,
        "query": query.urlencode(),
        "total": paginator.count,
    }
    return render(request, "practices/practice_list.html", context)


def _practice_for(request, pk):
    practice = (
        review.practices_visible_to(request.user)
        .select_related("session", "agenda_item", "speaker")
        .prefetch_related("themes", "populations", "institutions", "documents")
        .filter(pk=pk)
        .first()
    )
    if practice is None:
        raise Http404
    return practice


@require_GET
def practice_detail(request, pk):
    practice = _practice_for(request, pk)
    language = get_language()
    shown, text = text_in(practice, language)
    context = {
        "practice": practice,
        "text": text,
        "description_html": rich_text(text["description"]),
        "results_html": rich_text(text["results"]),
        "shown_language": shown,
        "language_note": WRITTEN_IN.get(shown) if shown != language else "",
    }
    response = render(request, "practices/practice_detail.html", context)
    if not practice.is_published:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def document_download(request, pk):
    document = PracticeDocument.objects.select_related("practice").filter(pk=pk).first()
    if document is None or not review.practices_visible_to(request.user).filter(pk=document.practice_id).exists():
        raise Http404
    return uploads.file_response(
        document.file, filename=document.filename, kind_code=document.file_kind, public=document.practice.is_published
    )


def _own_practice(request, pk):
    """A practice of the focal point's country (any status), else 404 - never 403."""
    practice = Practice.objects.filter(pk=pk, country=request.focal_point.country).first()
    if practice is None:
        raise Http404
    return practice


@uploads.accepts_uploads
@focal_point_required
@require_http_methods(["GET", "POST"])
def practice_propose(request):
    return _edit(request, practice=None)


@uploads.accepts_uploads
@focal_point_required
@require_http_methods(["GET", "POST"])
def practice_edit(request, pk):
    practice = _own_practice(request, pk)
    if practice.status not in review.EDITABLE:
        if request.method == "POST":
            messages.error(request, _("This practice is under review or published: it can no longer be changed here."))
        return redirect("practices:detail", pk=practice.pk)
    return _edit(request, practice=practice)


def _edit(request, *, practice):
    focal_point = request.focal_point
    language = practice.original_language if practice else get_language()
    form = PracticeForm(
        request.POST or None,
        request.FILES or None,
        instance=practice,
        country=focal_point.country,
        language=language,
    )
    if request.method == "POST" and form.is_valid():
        saved = save_practice(form=form, country=focal_point.country, language=language, user=request.user)
        if "submit" in request.POST:
            try:
                review.submit_practice(practice=saved)
            except review.ReviewError as error:
                messages.error(request, str(error))
                return redirect("practices:edit", pk=saved.pk)
            messages.success(request, _("Your practice was sent to the programme's staff for review."))
            return redirect("focal_points:dashboard")
        messages.success(request, _("Draft saved. Submit it when it is ready."))
        return redirect("practices:edit", pk=saved.pk)
    context = {
        "form": form,
        "practice": practice,
        "focal_point": focal_point,
        "written_in": dict(settings.LANGUAGES).get(language, language),
    }
    return render(request, "practices/practice_form.html", context, status=400 if request.method == "POST" else 200)
