"""Saving a change with its entry in the audit log (django-auditlog), without auditlog's extra read."""

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry


def save_on_record(instance, *, before, update_fields):
    """Save ``update_fields`` of ``instance`` and put the change on record as auditlog itself does,
    diffed from ``before``: a copy of the row as stored, taken before the change. (Auditlog would
    read the row again to learn the old values: a query more, under the session lock.)"""
    with disable_auditlog():
        instance.save(update_fields=update_fields)
    changes = model_instance_diff(before, instance, fields_to_check=update_fields)
    if changes:
        LogEntry.objects.log_create(instance, action=LogEntry.Action.UPDATE, changes=changes)
