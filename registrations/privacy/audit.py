"""The audit log (django-auditlog): exports and erasures on record, erased people out of it.

Changes to the tracked models are recorded by auditlog itself (AUDITLOG_INCLUDE_TRACKING_MODELS in
the settings, the actor from its middleware). This module adds what auditlog cannot see: exports of
personal data and erasures, and it removes an erased person's name and address from past entries
(auditlog's and the Django admin's own history), so the record of who did what stays while the
person is gone.
"""

import json
import re

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from registrations.models import Registration

ERASED = "[erased]"
# Fields whose old and new values an audit entry must not keep once the person is erased.
PERSONAL_FIELDS = {
    "email",
    "full_name",
    "position",
    "institution_name",
    "gender_self_described",
    "accessibility_needs",
    "time_zone",
}


def leave_reverse_relations_out():
    """A tracked row's entries hold its own fields, not the other side of its relations.

    When a row is created or deleted, auditlog compares every field its model lists, the reverse
    relations included: a session's entry then recorded "registrations.Registration.None" (a
    manager's repr) as a change, and a new user cost a query for its focal point. Called once the
    app registry is ready (PrivacyConfig.ready), after auditlog registered the models of the
    settings. auditlog offers no public way to extend a registration, hence its ``_registry``.
    """
    for model in auditlog.get_models():
        excluded = auditlog._registry[model]["exclude_fields"]
        excluded.extend(relation.name for relation in model._meta.related_objects if relation.name not in excluded)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record_export(*, actor, registration_ids, kind):
    """One entry for an export of personal data (``kind``: "csv", "xlsx", "json")."""
    ids = sorted(registration_ids)
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Registration),
        object_pk="export",
        object_repr=f"Export of {len(ids)} registrations ({kind.upper()})",
        action=LogEntry.Action.ACCESS,
        actor=_actor(actor),
        timestamp=timezone.now(),
        additional_data={"export": kind, "registration_ids": ids},
    )


def record_erasure(*, actor, registration_ids, requested_by):
    """One entry per erased registration, without the person's name or address.

    ``requested_by`` says who asked: "person" (from the private page) or "staff" (a request that
    arrived by mail, handled in the admin).
    """
    content_type = ContentType.objects.get_for_model(Registration)
    now = timezone.now()
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk,
            object_repr=f"Anonymised registration {pk}",
            action=LogEntry.Action.DELETE,
            actor=_actor(actor),
            timestamp=now,
            changes_text="Personal data erased",
            additional_data={"erasure": requested_by},
        )
        for pk in sorted(registration_ids)
    )


def scrub_entries(*, registration_ids):
    """Take the name, address and free text of these registrations out of past log entries."""
    keys = [str(pk) for pk in registration_ids]
    content_type = ContentType.objects.get_for_model(Registration)
    for entry in LogEntry.objects.filter(content_type=content_type, object_pk__in=keys):
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name in PERSONAL_FIELDS & set(changes):
            changes[name] = [ERASED, ERASED]
        entry.changes = changes
        entry.changes_text = ""
        entry.serialized_data = None
        entry.object_repr = f"Anonymised registration {entry.object_pk}"
        entry.save(update_fields=["changes", "changes_text", "serialized_data", "object_repr"])
    AdminLogEntry.objects.filter(content_type=content_type, object_id__in=keys).update(object_repr=ERASED)


def scrub_text(email):
    """Replace ``email`` (any case) wherever an entry's changes or description quote it, e.g. a
    mailing's pasted address list or a focal point's nomination."""
    pattern = re.compile(re.escape(email.strip()), re.IGNORECASE)
    entries = LogEntry.objects.annotate(text=Cast("changes", TextField())).filter(
        Q(text__icontains=email.strip())
        | Q(changes_text__icontains=email.strip())
        | Q(object_repr__icontains=email.strip())
    )
    for entry in entries:
        entry.changes = json.loads(pattern.sub(ERASED, json.dumps(entry.changes, ensure_ascii=False)))
        entry.changes_text = pattern.sub(ERASED, entry.changes_text or "")
        entry.object_repr = pattern.sub(ERASED, entry.object_repr)
        entry.serialized_data = None
        entry.save(update_fields=["changes", "changes_text", "object_repr", "serialized_data"])


def trim(*, before):
    """Delete audit entries older than ``before``. Returns how many."""
    deleted, _by_model = LogEntry.objects.filter(timestamp__lt=before).delete()
    return deleted
