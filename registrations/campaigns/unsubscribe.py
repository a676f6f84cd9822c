"""The one-click opt-out: its signed token, and what opting out does."""

from django.core import signing
from django.db import transaction
from django.db.models.functions import Lower

from registrations.campaigns.audiences import LANGUAGE_CODES
from registrations.models import Registration, Suppression
from registrations.outbox.suppression import suppress_address

UNSUBSCRIBE_SALT = "registrations.unsubscribe"


def unsubscribe_token(*, email, language):
    return signing.dumps({"e": email, "l": language}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """The (email, language) inside a token, or None when the token was not signed by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    language = data.get("l") if data.get("l") in LANGUAGE_CODES else "en"
    return data["e"], language


@transaction.atomic
def unsubscribe(*, email):
    """Put ``email`` on the suppression list as an opt-out, and withdraw the address's agreement to
    hear about future activities on every registration. Returns the Suppression."""
    Registration.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower(), contact_opt_in=True
    ).update(contact_opt_in=False)
    return suppress_address(email=email, reason=Suppression.Reason.OPT_OUT)
