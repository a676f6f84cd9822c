"""A new session from an earlier one: every session of a working group repeats the same skeleton."""

from django.db import models, transaction
from django.db.models import Max
from django.utils.text import slugify

from agenda.models import AgendaItem, AgendaRole

from .models import GuidingQuestion, MethodologyStep, Objective, Session

# What a clone never takes over: identity, calendar sequence, timestamps, and its place in the lifecycle.
SKIPPED = {"id", "uid", "ics_sequence", "created_at", "updated_at", "slug", "number", "status"}


def _copy(obj, skipped, **overrides):
    """A new unsaved row of ``obj``'s model with its column values (all languages), minus ``skipped``."""
    values = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in skipped and not isinstance(field, models.AutoField)
    }
    values.update(overrides)
    return type(obj)(**values)


def _free_slug(base):
    slug, n = base[:110], 2
    while Session.objects.filter(slug=slug).exists():
        slug, n = f"{base[:105]}-{n}", n + 1
    return slug


@transaction.atomic
def clone_session(*, session):
    """A draft copy of ``session``: its texts, thematic focuses, objectives, methodology, guiding
    questions and agenda (nesting kept) with the speakers in their roles. Registrations, seat
    reservations, mailings, contributions, conclusions and documents stay with the original.

    The copy takes the group's next number and a free slug; its date is the original's until staff
    change it. Returns the new Session.
    """
    number = (Session.objects.filter(group_id=session.group_id).aggregate(top=Max("number"))["top"] or 0) + 1
    clone = _copy(
        session,
        SKIPPED,
        number=number,
        status=Session.Status.DRAFT,
        slug=_free_slug(slugify(f"session-{number}-{session.slug}")),
    )
    clone.save()
    clone.thematic_focuses.set(session.thematic_focuses.all())
    for model in (Objective, MethodologyStep, GuidingQuestion):
        model.objects.bulk_create(
            _copy(row, {"id"}, session_id=clone.pk) for row in model.objects.filter(session=session)
        )
    # Parents before children, so that each child finds its parent's copy.
    new_ids, pending = {}, list(AgendaItem.objects.filter(session=session).order_by("pk"))
    while pending:
        ready = [item for item in pending if item.parent_id is None or item.parent_id in new_ids]
        if not ready:  # a loop in the data: the rest become top-level items rather than vanish
            ready = pending
        for item in ready:
            copy = _copy(item, {"id"}, session_id=clone.pk, parent_id=new_ids.get(item.parent_id))
            copy.save()
            new_ids[item.pk] = copy.pk
        pending = [item for item in pending if item.pk not in new_ids]
    AgendaRole.objects.bulk_create(
        _copy(role, {"id"}, item_id=new_ids[role.item_id]) for role in AgendaRole.objects.filter(item__session=session)
    )
    return clone
