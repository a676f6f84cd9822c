"""The private link's key: looking up a registration by its token.

Every page behind a private link (the registration page, its calendar file, the documents) finds
its registration here, with one rule: a token longer than any we issue, an unknown one, or one that
differs in any way is a 404 that says nothing more. The match is compared in constant time.
"""

import hmac

from django.http import Http404

from .models import Registration

MAX_TOKEN_LENGTH = 64


def registration_for_token(token):
    """The registration behind a private link (with its session and group), or Http404."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    registration = Registration.objects.select_related("session__group", "institution").filter(token=token).first()
    if registration is None or not hmac.compare_digest(registration.token.encode(), token.encode()):
        raise Http404
    return registration
