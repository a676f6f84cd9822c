"""Certificates of participation: issuing one per attendee with a verification code, and checking a code.

The code is random (not derived from the person), printed on the certificate with the address of
the public verification page. That page shows the initials, the session and its date: enough to
tell a genuine certificate from a forged one, nothing a stranger could use.
"""

import functools
import math
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

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
    """The attendee's Certificate, created with a fresh code, the holder's initials and today's issue
    date the first time. Issuing restarts the registration's retention clock (its ``updated_at``),
    so a certificate issued long after the session is not deleted within the hour."""
    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is not None:
        return certificate
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    registration=registration, code=new_code(), holder_initials=initials(registration.full_name)
                )
                Registration.objects.filter(pk=registration.pk).update(updated_at=timezone.now())
                return certificate
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


def minutes_shown(registration):
    """The minutes a certificate states: never more than the session lasted (a report counts the
    waiting room and people who stay on after the end)."""
    minutes = registration.attended_minutes
    if minutes is None:
        return None
    return min(minutes, registration.session.duration_minutes)


def minimum_minutes(session):
    """The whole minutes a person must attend for a certificate (0: no minimum)."""
    return math.ceil(session.duration_minutes * session.certificate_min_percent / 100)


def certificate_refusal(*, registration):
    """Why ``registration`` gets no certificate, in the active language; None when it gets one.

    Only attendees get one. When the session sets a minimum share, attendees with recorded minutes
    below it get none; attendees ticked by hand without minutes were vouched for by staff and get one.
    """
    session = registration.session
    if registration.status != Registration.Status.ATTENDED:
        return gettext("Not marked as attended.")
    minimum = session.certificate_min_percent
    minutes = minutes_shown(registration)
    needed = minimum_minutes(session)
    if not needed or minutes is None or minutes >= needed:
        return None
    return gettext(
        "Attended %(minutes)d of %(total)d minutes; this session's certificates need %(percent)d%% "
        "(%(needed)d minutes)."
    ) % {"minutes": minutes, "total": session.duration_minutes, "percent": minimum, "needed": needed}


@functools.lru_cache(maxsize=4096)
def qr_code_svg(url):
    """The verification URL as an inline SVG QR code.

    ``qrcode`` (pure Python) is already installed for the staff's second factor; its SVG is
    vector paths only, so the PDF needs no image file and the renderer fetches nothing. A code is
    the same for the same URL and costs 18 ms to draw, and the documents task draws every
    certificate's page again to see whether it changed: each process keeps the codes it drew
    (a URL and a few KB of SVG each).
    """
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")
