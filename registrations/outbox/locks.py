"""The send locks: a row is sent only by the process that holds its PostgreSQL advisory lock."""

import logging

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


# The send lock: a row is sent only by the process that holds it, a PostgreSQL advisory lock on the
# row's id (in a class of its own). A batch holds the locks of its rows at session level from before
# it reads them until it has sent them, across the commit of each message, and loses them with its
# database connection if the worker dies: the rows, still queued, are then free for the sweeper. A
# single send holds its row's lock for its transaction; an erasure waits for it (``erase_deliveries``).
# SQLite runs one writer at a time and has no such locks: there they are not taken.
SEND_LOCK_CLASS = 7_302_001


def send_lock_key(delivery_id):
    """The second key of a row's send lock (``SEND_LOCK_CLASS`` is the first): the id, folded into an int4."""
    return delivery_id % 2**31


def uses_send_locks():
    return connection.vendor == "postgresql"


def hold_send_locks(delivery_ids):
    """Take the send lock of each id that no other process holds; returns those ids, in order."""
    if not uses_send_locks() or not delivery_ids:
        return list(delivery_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM unnest(%s::int[]) AS keys(key) WHERE pg_try_advisory_lock(%s, key)",
            [[send_lock_key(pk) for pk in delivery_ids], SEND_LOCK_CLASS],
        )
        held = {key for (key,) in cursor.fetchall()}
    return [pk for pk in delivery_ids if send_lock_key(pk) in held]


def release_send_locks(delivery_ids):
    if not uses_send_locks() or not delivery_ids:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, key) FROM unnest(%s::int[]) AS keys(key)",
                [SEND_LOCK_CLASS, [send_lock_key(pk) for pk in delivery_ids]],
            )
    except DatabaseError:
        # The session cannot run the unlock; closing it releases every lock it holds.
        logger.warning("Could not release send locks; closing the database connection", exc_info=True)
        connection.close()


def take_send_lock(delivery_id):
    """Take the send lock of one row until this transaction ends; False when another process holds it."""
    if not uses_send_locks():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SEND_LOCK_CLASS, send_lock_key(delivery_id)])
        return cursor.fetchone()[0]


def wait_for_send_locks(queryset):
    """Wait until no process is sending any row of ``queryset``, and keep any from starting until
    this transaction ends. In key order, so two erasures never wait for each other in a circle."""
    if not uses_send_locks():
        return
    keys = sorted({send_lock_key(pk) for pk in queryset.values_list("pk", flat=True)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS keys(key)", [SEND_LOCK_CLASS, keys]
        )
