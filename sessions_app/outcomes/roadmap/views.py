"""The public roadmap page, the update form (focal points for their country, staff for any action)
and the reminders' opt-out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common import pagecache, uploads
from registrations.focal_points.invitations import active_focal_point

from ...models import Document, RoadmapReminderOptOut, RoadmapUpdate, WorkingGroup
from . import tracker
from .forms import RoadmapUpdateForm
from .updates import action_for_user, is_roadmap_staff, record_update


def _group(slug):
    group = WorkingGroup.objects.filter(slug=slug).first()
    if group is None:
        raise Http404
    return group


def _latest_pdfs(group):
    """The latest public roadmap PDF per language of the group (one query)."""
    documents = (
        Document.objects.filter(
            session__group=group, kind=Document.Kind.ROADMAP, is_public=True, registration__isnull=True
        )
        .select_related("session")
        .order_by("-session__starts_at", "language", "-version")
    )
    latest = {}
    for document in documents:
        latest.setdefault(document.language, document)
    return sorted(latest.values(), key=lambda document: document.language)


@pagecache.cached_page(depends=(pagecache.CONTENT,))
def roadmap_page(request, slug):
    group = _group(slug)
    roadmap = tracker.group_roadmap(
        group, country=request.GET.get("country", "")[:2], status=request.GET.get("status", "")[:20]
    )
    context = {"group": group, "roadmap": roadmap, "documents": _latest_pdfs(group)}
    response = render(request, "sessions_app/roadmap.html", context)
    # An action becomes overdue at midnight in its zone: the cached page ends at the next midnight.
    return pagecache.valid_until(response, *tracker.next_changes(roadmap.items))


@uploads.accepts_uploads
@login_required
@require_http_methods(["GET", "POST"])
def action_update(request, pk):
    """Report progress on an action: 404 for anyone who may not (another country's focal point)."""
    item = action_for_user(user=request.user, pk=pk)
    staff = is_roadmap_staff(request.user)
    form = RoadmapUpdateForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"status": item.status},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_update(
            item=item,
            user=request.user,
            status=data["status"],
            note_date=data["note_date"],
            note=data["note"],
            link=data["link"],
            document=data.get("document") or None,
            language=translation.get_language(),
        )
        messages.success(request, _("Your progress report is saved and shown on the public roadmap."))
        if not staff and active_focal_point(request.user):
            return redirect(reverse("focal_points:dashboard") + "#roadmap")
        return redirect(reverse("outcomes:roadmap", kwargs={"slug": item.group.slug}))
    item = tracker.annotate(list(tracker.with_timeline(type(item).objects.filter(pk=item.pk))))[0]
    return render(request, "sessions_app/roadmap_update.html", {"item": item, "form": form, "is_staff": staff})


@require_GET
def update_document(request, pk):
    """The document attached to a progress report: public with its action (404 otherwise)."""
    update = RoadmapUpdate.objects.filter(pk=pk, item__in=tracker.public_actions()).exclude(document="").first()
    if update is None:
        raise Http404
    return uploads.file_response(
        update.document, filename=update.document_name or "document.pdf", kind_code=update.document_kind, public=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    """A focal point turns the roadmap reminders off or on again."""
    if active_focal_point(request.user) is None:
        raise Http404
    opted_out = RoadmapReminderOptOut.objects.filter(user=request.user).exists()
    if request.method == "POST":
        if request.POST.get("reminders") == "off":
            RoadmapReminderOptOut.objects.get_or_create(user=request.user)
            messages.success(request, _("You will no longer receive roadmap reminders."))
        else:
            RoadmapReminderOptOut.objects.filter(user=request.user).delete()
            messages.success(request, _("You will receive roadmap reminders again."))
        return redirect("outcomes:roadmap_reminders")
    return render(request, "sessions_app/roadmap_reminders.html", {"opted_out": opted_out})
