"""Certificates of participation: issuing one per attendee with a verification code, and checking a code.

The code is random (not derived from the person), printed on the certificate with the address of
the public verification page. That page shows the initials, the session and its date: enough to
tell a genuine certificate from a forged one, nothing a stranger could use.
"""

import re
import secrets

from django.db import IntegrityError, transaction

from registrations.models import Registration
from sessions_app.models import Certificate

# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 3, 4


def new_code():
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def normalise_code(value):
    """ "abcd efgh-jkmn" → "ABCD-EFGH-JKMN"; None when it cannot be a code."""
    raw = re.sub(r"[\s-]", "", str(value or "")).upper()
    if len(raw) != GROUPS * GROUP_LENGTH or any(char not in ALPHABET for char in raw):
        return None
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def issue_certificate(*, registration):
    """The attendee's Certificate, created with a fresh code and today's issue date the first time."""
    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is not None:
        return certificate
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(registration=registration, code=new_code())
        except IntegrityError:
            # Either another worker issued it first, or (rarely) the code was taken: look, then retry.
            certificate = Certificate.objects.filter(registration=registration).first()
            if certificate is not None:
                return certificate
    raise RuntimeError("Could not issue a unique certificate code.")


def certificate_for_code(value):
    """The Certificate with this code, if its holder still counts as an attendee; else None."""
    code = normalise_code(value)
    if code is None:
        return None
    return (
        Certificate.objects.select_related("registration__session__group")
        .filter(code=code, registration__status=Registration.Status.ATTENDED)
        .first()
    )


def initials(full_name):
    """ "María José Gonçalves" → "M. J. G.": what the public page shows of the holder."""
    return " ".join(f"{part[0].upper()}." for part in str(full_name).split() if part[:1].isalpha())
