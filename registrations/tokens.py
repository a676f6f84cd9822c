"""The private link's key: issuing it, and finding the registration behind it.

Every page behind a private link (the registration page, its calendar file, the documents, the
person's data) finds its registration here, with one rule: a key longer than any we issue, an
unknown one, one that differs in any way, one whose data were erased or anonymised, or one of a
pending registration past PENDING_REGISTRATION_DAYS (expired, even before retention deletes it)
is a 404 that says nothing more. The match is compared in constant time.

How keys are kept, and why. A copy of the database alone must not open anyone's private page, so
the database never holds a usable key. A key is *derived*: ``<nonce><mac>``, where the nonce is a
random value stored on the registration (``link_nonce``) and the mac is an HMAC of it under
``PRIVATE_LINK_KEY``, a secret kept in the environment, never in the database. We chose derivation
over the other way (a keyed hash stored per issued link, a fresh random key per e-mail) because:

- the link can be written again whenever it is needed (every reminder, a "find my registration"
  request, the worker rendering a message) without storing anything, so a mailing of hundreds
  writes no extra rows and the outbox can put the key in at the last moment;
- a person gets the same link in every message, so the one they bookmarked keeps working;
- the link is revoked by clearing the nonce (erasure), or re-issued by drawing a new one.

The price: whoever holds both the database and the key can write every link. Keep
``PRIVATE_LINK_KEY`` with ``SECRET_KEY``, out of backups of the database; changing it ends every
link sent, unless the old key stays listed in ``PRIVATE_LINK_KEY_FALLBACKS``.

Links sent before keys were derived were random strings stored in clear. The migration kept only
their SHA-256 (``legacy_token_hash``; a 256-bit random string cannot be recovered from it), so
those links still open their page, and every e-mail written since carries a derived key.

Stored e-mails never hold a key either: a message is written with ``LINK_PLACEHOLDER`` where the
key goes, and the outbox puts in the recipient's key only in the bytes it hands to the mail server
(``link_keys.fill_private_links``). Staff previews show the placeholder, never a live key.
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from registrations.link_keys import LINK_PLACEHOLDER, MAC_LENGTH, NONCE_LENGTH, key_for, keys, legacy_hash, mac
from registrations.models import Registration, new_link_nonce

__all__ = ["LINK_PLACEHOLDER", "MAX_TOKEN_LENGTH", "link_key", "registration_for_token", "reissue_link"]

MAX_TOKEN_LENGTH = 64


def link_key(registration):
    """The key of ``registration``'s private link, or None once its data are erased."""
    return key_for(registration.link_nonce)


def reissue_link(*, registration):
    """Draw a new nonce: every earlier link of ``registration`` stops working. Returns the new key."""
    registration.link_nonce = new_link_nonce()
    registration.legacy_token_hash = None
    Registration.objects.filter(pk=registration.pk).update(link_nonce=registration.link_nonce, legacy_token_hash=None)
    return link_key(registration)


# What the private pages show beside the registration. A write behind the link (the confirm POST)
# reads the registration again under its locks and needs only the session before them.
PAGE_RELATED = ("session__group", "institution")


def _find(token, related):
    registrations = Registration.objects.select_related(*related)
    if len(token) == NONCE_LENGTH + MAC_LENGTH:
        nonce, given = token[:NONCE_LENGTH], token[NONCE_LENGTH:]
        registration = registrations.filter(link_nonce=nonce).first()
        if registration is None:
            return None
        # Every key is tried, so the time taken does not tell which one matched.
        matches = [hmac.compare_digest(mac(nonce, key).encode(), given.encode()) for key in keys()]
        return registration if any(matches) else None
    # Looked up by its hash: an index probe on a SHA-256 tells a timing attack nothing.
    return registrations.filter(legacy_token_hash=legacy_hash(token)).first()


def registration_for_token(token, *, related=PAGE_RELATED):
    """The registration behind a private link, with ``related`` (its session, group and institution
    unless told), or Http404."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise Http404
    registration = _find(token, related)
    if registration is None or registration.anonymised_at is not None or is_expired(registration):
        raise Http404
    return registration


def is_expired(registration, *, now=None):
    """A pending registration older than PENDING_REGISTRATION_DAYS: its link no longer works."""
    if registration.status != Registration.Status.PENDING:
        return False
    now = now or timezone.now()
    return registration.created_at < now - timedelta(days=settings.PENDING_REGISTRATION_DAYS)
