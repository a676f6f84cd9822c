"""The private link's key: looking up a registration by its token.

Every page behind a private link (the registration page, its calendar file, the documents, the
person's data) finds its registration here, with one rule: a token longer than any we issue, an
unknown one, one that differs in any way, one whose data were erased or anonymised, or one of a
pending registration past PENDING_REGISTRATION_DAYS (expired, even before retention deletes it)
is a 404 that says nothing more. The match is compared in constant time.
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from registrations.models import Registration

MAX_TOKEN_LENGTH = 64


def registration_for_token(token):
    """The registration behind a private link (with its session and group), or Http404."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    registration = Registration.objects.select_related("session__group", "institution").filter(token=token).first()
    if registration is None or not hmac.compare_digest((registration.token or "").encode(), token.encode()):
        raise Http404
    if registration.anonymised_at is not None or is_expired(registration):
        raise Http404
    return registration


def is_expired(registration, *, now=None):
    """A pending registration older than PENDING_REGISTRATION_DAYS: its link no longer works."""
    if registration.status != Registration.Status.PENDING:
        return False
    now = now or timezone.now()
    return registration.created_at < now - timedelta(days=settings.PENDING_REGISTRATION_DAYS)
