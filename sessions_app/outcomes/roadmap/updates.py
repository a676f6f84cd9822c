"""Writes to the roadmap: who may report on an action, and the one function that records a report.

A focal point reports on their own country's actions (an action owned by an institution belongs to
that institution's country); staff with the change permission on any action. Every report is a
``RoadmapUpdate`` row (the action's timeline) and moves the action to the reported status.
"""

from django.db import transaction
from django.http import Http404

from common import uploads
from registrations.focal_points.invitations import active_focal_point

from ...models import RoadmapItem, RoadmapUpdate
from .tracker import action_country


def is_roadmap_staff(user):
    return bool(user.is_authenticated and user.is_staff and user.has_perm("sessions_app.change_roadmapitem"))


def can_update(*, user, item, focal_point=None):
    """May ``user`` report progress on ``item``?"""
    if is_roadmap_staff(user):
        return True
    focal_point = focal_point or active_focal_point(user)
    country = action_country(item)
    return bool(focal_point is not None and country and str(focal_point.country.code) == country)


def action_for_user(*, user, pk):
    """The action ``pk`` if ``user`` may report on it; Http404 otherwise (another country's action
    is not revealed to exist)."""
    item = (
        RoadmapItem.objects.select_related("group", "owner_institution", "agreed_session", "follow_up_session")
        .filter(pk=pk)
        .first()
    )
    if item is None or not can_update(user=user, item=item):
        raise Http404
    return item


@transaction.atomic
def record_update(*, item, user, status, note_date, note="", link="", document=None, language="en"):
    """Add an entry to the action's timeline and move the action to ``status``. Returns the entry.

    The action's row is locked so that two reports at once each record the status the other left.
    ``document`` is an upload that passed ``common.uploads.DocumentField`` (it carries ``.kind``).
    """
    locked = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    focal_point = None if is_roadmap_staff(user) else active_focal_point(user)
    update = RoadmapUpdate(
        item=locked,
        author=user,
        author_role=RoadmapUpdate.Role.FOCAL_POINT if focal_point else RoadmapUpdate.Role.STAFF,
        author_country=focal_point.country if focal_point else "",
        from_status=locked.status,
        to_status=status,
        note_date=note_date,
        note=note,
        language=language,
        link=link,
    )
    if document is not None:
        # ``document`` passed the file rules (DocumentField): its kind is what its bytes say.
        name = uploads.clean_filename(document.name, kind=document.kind)
        update.document.save(name, document, save=False)
        update.document_kind = document.kind.code
        update.document_name = name
    update.save()
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    item.status = status
    return update
