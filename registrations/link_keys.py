"""The key of a private link, derived from the registration's nonce with PRIVATE_LINK_KEY.

Pure functions, no model: the model (``Registration.token``), the outbox (which writes the key into
what it sends) and ``registrations.tokens`` (which finds a registration by its key) all use them.
Why keys are derived, and how they are kept: see ``registrations.tokens``.
"""

import base64
import hashlib
import hmac

from django.conf import settings

NONCE_LENGTH = 22  # 16 random bytes, URL-safe base64 without padding
MAC_LENGTH = 22  # the first 16 bytes of an HMAC-SHA256
# Where a stored message (or a preview) has the key of the recipient's private link. A slug, so
# every URL pattern takes it; shorter than a key, so it never opens a page.
LINK_PLACEHOLDER = "private-link-key"


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def keys():
    """The secret that writes keys, then those that still open links sent before it."""
    primary = settings.PRIVATE_LINK_KEY or settings.SECRET_KEY
    fallbacks = settings.PRIVATE_LINK_KEY_FALLBACKS
    if fallbacks is None:
        fallbacks = settings.SECRET_KEY_FALLBACKS
    return [primary, *fallbacks]


def mac(nonce, key):
    digest = hmac.new(key.encode(), f"copolad.private-link:{nonce}".encode(), hashlib.sha256).digest()
    return _b64(digest[:16])


def key_for(nonce):
    """The key of the link whose nonce is ``nonce``; None for none (erased data)."""
    if not nonce:
        return None
    return nonce + mac(nonce, keys()[0])


def legacy_hash(token):
    """What the database keeps of a key issued before keys were derived."""
    return hashlib.sha256(token.encode()).hexdigest()


def fill_private_links(text, nonce):
    """``text`` with the placeholder replaced by the key of ``nonce``: only in what is sent.

    Without a nonce (a test message, an erased registration) the placeholder stays: it opens nothing.
    """
    if not text or LINK_PLACEHOLDER not in text:
        return text
    key = key_for(nonce)
    return text.replace(LINK_PLACEHOLDER, key) if key else text
