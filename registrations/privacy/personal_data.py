"""A person's data across sessions: download it, erase it, anonymise it when its time is up.

A person is an e-mail address (any case): the holder of a private link is whoever receives mail at
that address, so the link's key opens everything stored under it, in every session.

Erasure is in place (as Decidim does): each registration keeps what the programme's statistics
need (session, country, institution and so its kind, gender, status, attended minutes, language)
and loses name, address, position, free text and token. Outbox rows keep their kind and dates but
lose address and content; the address itself survives only as a keyed hash on the suppression
list, so no mailing reaches it again.

Certificates belong to the after-session wing (``sessions_app.outcomes``), which this layer must
not import. The wing listens to the two signals below: ``collect_personal_data`` asks it for the
certificates to list in an export, ``personal_data_erased`` tells it to delete its rows and files.
A signal rather than the Document's FK cascade because the registration row stays (anonymised),
and because the stored PDF files are the wing's to remove after commit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.utils import timezone

from registrations.models import Delivery, Mailing, Registration, Suppression
from registrations.outbox.erasure import erase_deliveries
from registrations.outbox.suppression import address_hash, suppress_address
from registrations.privacy import audit
from registrations.seats import release_seat_for_erasure

# Receivers return a list of ``{"section": name, "items": [dict, ...]}`` for these registrations.
collect_personal_data = Signal()  # kwargs: registration_ids
# Receivers delete what they store about these registrations (inside the erasing transaction).
# kwargs: registration_ids, keep_verification (True when retention anonymises: a certificate then
# keeps its verification record, as the privacy notice says; False when the person asks for erasure).
personal_data_erased = Signal()

EXPORT_FORMAT = "copolad-personal-data/1"
# Export keys for foreign keys: what the person can read instead of a primary key.
_RELATED = {
    "session": lambda registration: {
        "title": str(registration.session.title),
        "starts_at": registration.session.starts_at.isoformat(),
        "url": registration.session.get_absolute_url(),
    },
    "institution": lambda registration: str(registration.institution) if registration.institution_id else "",
    "registered_by": lambda registration: (
        registration.registered_by.get_full_name() or str(registration.get_source_display())
        if registration.registered_by_id
        else ""
    ),
}


def registrations_of(email):
    """The registrations (not yet anonymised) of ``email``, whatever its case, across sessions."""
    return (
        Registration.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=Lower(Value((email or "").strip())), anonymised_at__isnull=True)
        .exclude(email="")
        .select_related("session__group", "institution", "registered_by")
        .order_by("session__starts_at", "pk")
    )


def _deliveries_of(email, registration_ids):
    return Delivery.objects.annotate(to_lower=Lower("to_email")).filter(
        Q(registration_id__in=registration_ids) | Q(to_lower=(email or "").strip().lower()) & ~Q(to_email="")
    )


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "code"):  # a django-countries Country
        return value.code
    return value


# What the private link's key is made from: a file the person downloads and forwards must not be
# a key to their registration (nor half of one).
SECRET_FIELDS = frozenset({"link_nonce", "legacy_token_hash"})


def registration_record(registration):
    """Every stored field of ``registration``, by field name, with readable foreign keys; the
    private link's secrets (SECRET_FIELDS) are left out."""
    record = {}
    for field in Registration._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        if field.name in _RELATED:
            record[field.name] = _RELATED[field.name](registration)
        else:
            record[field.name] = _value(getattr(registration, field.attname))
    record["status_label"] = str(registration.get_status_display())
    record["attended"] = registration.status == Registration.Status.ATTENDED
    return record


DELIVERY_FIELDS = ("kind", "language", "subject", "status", "attempts", "created_at", "sent_at")


def export_personal_data(*, registration):
    """Everything stored about the person behind ``registration``, as a JSON-ready dict."""
    registrations = list(registrations_of(registration.email))
    ids = [item.pk for item in registrations]
    deliveries = _deliveries_of(registration.email, ids).order_by("created_at", "pk")
    suppression = Suppression.objects.filter(email_hash=address_hash(registration.email)).first()
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "email": registration.email,
        "registrations": [registration_record(item) for item in registrations],
        "deliveries": [
            {name: _value(getattr(delivery, name)) for name in DELIVERY_FIELDS}
            | {"to_email": delivery.to_email, "registration": delivery.registration_id}
            for delivery in deliveries
        ],
        "suppression": (
            {"reason": suppression.reason, "since": suppression.created_at.isoformat()} if suppression else None
        ),
    }
    for _receiver, sections in collect_personal_data.send(sender=Registration, registration_ids=ids):
        for section in sections or []:
            data.setdefault(section["section"], []).extend(section["items"])
    data.setdefault("certificates", [])
    return data


@dataclass(frozen=True)
class ErasureReport:
    registrations: int
    deliveries: int


_ANONYMOUS = {
    "email": "",
    "full_name": "",
    "position": "",
    "institution_name": "",
    "gender_self_described": "",
    "accessibility_needs": "",
    "time_zone": "UTC",
    "contact_opt_in": False,
    "link_nonce": None,
    "legacy_token_hash": None,
}


def anonymise_registrations(*, registration_ids, now=None, keep_verification=False):
    """Blank the personal fields of these registrations, their outbox rows and what the other
    wings keep about them (certificate files; the verification records too unless
    ``keep_verification``), and scrub them out of the audit log. Must run in a transaction.
    Returns an ErasureReport.

    Saved with ``update()``, so no audit entry copies the old values on the way out.
    """
    now = now or timezone.now()
    ids = list(
        Registration.objects.select_for_update()
        .filter(pk__in=registration_ids, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return ErasureReport(registrations=0, deliveries=0)
    Registration.objects.filter(pk__in=ids).update(**_ANONYMOUS, anonymised_at=now, updated_at=now)
    deliveries = erase_deliveries(Delivery.objects.filter(registration_id__in=ids))
    personal_data_erased.send(sender=Registration, registration_ids=ids, keep_verification=keep_verification)
    audit.scrub_entries(registration_ids=ids)
    return ErasureReport(registrations=len(ids), deliveries=deliveries)


def _remove_from_pasted_lists(email):
    """Drop the address's lines from mailings' pasted address lists."""
    lowered = email.strip().lower()
    for mailing in Mailing.objects.filter(addresses__icontains=lowered):
        lines = [
            line
            for line in mailing.addresses.splitlines()
            if line.split(",")[0].split(";")[0].strip().lower() != lowered
        ]
        Mailing.objects.filter(pk=mailing.pk).update(addresses="\n".join(lines))


def erase_personal_data(*, registration, actor=None, requested_by="person"):
    """Erase the person behind ``registration`` in every session: free their seats (the waiting
    list moves as for a cancellation, without a message to them), anonymise their registrations,
    drop their outbox rows' addresses and contents, delete their certificates, keep their address
    only as a keyed hash on the suppression list, and put the erasure on record.

    Safe to run twice (the second run finds nothing). Returns an ErasureReport.
    """
    email = registration.email
    if not email:
        return ErasureReport(registrations=0, deliveries=0)
    with transaction.atomic():
        # Session by session in a fixed order, so two erasures never lock in opposite orders.
        registrations = sorted(registrations_of(email), key=lambda item: (item.session_id, item.pk))
        for item in registrations:
            release_seat_for_erasure(registration=item)
        ids = [item.pk for item in registrations]
        report = anonymise_registrations(registration_ids=ids)
        more = erase_deliveries(_deliveries_of(email, []))
        _remove_from_pasted_lists(email)
        suppress_address(email=email, reason=Suppression.Reason.ERASED)
        audit.scrub_text(email)
        audit.record_erasure(actor=actor, registration_ids=ids, requested_by=requested_by)
    return ErasureReport(registrations=report.registrations, deliveries=report.deliveries + more)
