"""A person's outbox rows emptied: what retention and erasure call."""

from registrations.models import Delivery
from registrations.outbox.locks import wait_for_send_locks

# What a delivery keeps once its content is dropped: kind, language, status, dates, attempts.
BODY_FIELDS = {"subject": "", "body_text": "", "body_html": "", "ics": "", "headers": dict, "render_params": None}


ADDRESS_FIELDS = {"to_email": "", "last_error": ""}


def scrub_delivery_fields(delivery, *, address=True):
    """Blank the message (and, with ``address``, the recipient) on ``delivery``; not saved."""
    for name, value in {**BODY_FIELDS, **(ADDRESS_FIELDS if address else {})}.items():
        setattr(delivery, name, value() if callable(value) else value)
    if address:
        # The key may hold the address ("mailing:<id>:<address>"): keep it unique but anonymous.
        delivery.key = f"erased:{delivery.pk}"


def drop_delivery_bodies(queryset):
    """Blank subject, bodies, calendar file and headers of the deliveries in ``queryset`` that are
    no longer waiting to be sent. Returns how many rows changed."""
    settled = queryset.exclude(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])
    with_content = settled.exclude(subject="", body_text="", body_html="", ics="")
    return with_content.update(subject="", body_text="", body_html="", ics="", headers={})


def erase_deliveries(queryset):
    """Drop body and address of every delivery in ``queryset``; any not yet sent is never sent.

    The rows stay as anonymous counts of what a mailing sent. Returns how many rows changed.
    """
    count = 0
    # A batch may hold some of these rows with their content already read: wait until it has
    # sent them (they are then scrubbed as sent) rather than let it send after the erasure.
    wait_for_send_locks(queryset)
    for delivery in queryset.select_for_update().exclude(key__startswith="erased:"):
        scrub_delivery_fields(delivery)
        if delivery.status in (Delivery.Status.QUEUED, Delivery.Status.SENDING):
            delivery.status = Delivery.Status.SUPPRESSED
        delivery.save()
        count += 1
    return count
