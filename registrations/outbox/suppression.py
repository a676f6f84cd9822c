"""The suppression list: addresses that get no mailing (opt-outs, hard bounces, erased people)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from registrations.models import Suppression


def address_hash(email):
    """A keyed hash of the lower-cased address: the suppression list matches on it.

    Keyed (HMAC with SUPPRESSION_HASH_KEY, else SECRET_KEY) so that the list of an erased person's
    hash cannot be reversed by hashing guessed addresses without the key.
    """
    key = settings.SUPPRESSION_HASH_KEY or settings.SECRET_KEY
    normalised = (email or "").strip().lower()
    return salted_hmac("registrations.suppression", normalised, secret=key, algorithm="sha256").hexdigest()


def is_suppressed(email):
    return Suppression.objects.filter(email_hash=address_hash(email)).exists()


def suppressions_for(addresses):
    """{address hash: reason} for the suppressed ones among ``addresses``: one query, on the unique hash index."""
    hashes = {address_hash(address) for address in addresses if address}
    return dict(Suppression.objects.filter(email_hash__in=hashes).values_list("email_hash", "reason"))


def suppress_address(*, email, reason, detail=""):
    """Add ``email`` to the suppression list (once, whatever its case). Returns the Suppression.

    With reason ERASED only the hash is kept, and an existing row for the address loses its
    address too.
    """
    digest = address_hash(email)
    stored_email = "" if reason == Suppression.Reason.ERASED else email
    existing = Suppression.objects.filter(email_hash=digest).first()
    if existing:
        if reason == Suppression.Reason.ERASED and existing.email:
            existing.email, existing.reason, existing.detail = "", reason, ""
            existing.save(update_fields=["email", "reason", "detail"])
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(email=stored_email, email_hash=digest, reason=reason, detail=detail[:300])
    except IntegrityError:
        return Suppression.objects.get(email_hash=digest)
