"""Saving and moving a session: the session service that staff's edits go through.

A new start raises the session's calendar SEQUENCE, so calendars that hold the event move it. Who is
told about the move is not the session core's business: ``save_session`` takes the function that
moves the session (``move_session`` by default), and the registrations' campaigns pass theirs
(``registrations.campaigns.automatic.reschedule_session``), which moves it and sends the update.
"""

from django.db import transaction

from sessions_app.models import Session


def move_session(*, session, starts_at):
    """Move ``session`` to ``starts_at`` and raise its calendar SEQUENCE, under the session's row lock.

    Updates ``session`` in memory too. Returns True when the start changed, False when it was already
    ``starts_at``. Runs in the caller's transaction when there is one.
    """
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.starts_at == starts_at:
            session.starts_at = starts_at
            return False
        locked.starts_at = starts_at
        locked.ics_sequence += 1
        locked.save(update_fields=["starts_at", "ics_sequence", "updated_at"])
        session.starts_at, session.ics_sequence, session.updated_at = (
            locked.starts_at,
            locked.ics_sequence,
            locked.updated_at,
        )
    return True


def save_session(*, session, reschedule=move_session):
    """Save staff's edit of ``session``; a changed start goes through ``reschedule(session=, starts_at=)``.

    Returns what ``reschedule`` returns (``move_session``: whether the start changed).
    """
    with transaction.atomic():
        stored_start = Session.objects.select_for_update().values_list("starts_at", flat=True).get(pk=session.pk)
        new_start = session.starts_at
        session.starts_at = stored_start
        session.save()
        return reschedule(session=session, starts_at=new_start)
