"""Focal points' accounts: invited by staff, deactivated, reactivated or moved to another country."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from common.links import absolute_reverse, absolute_url
from registrations.focal_points.errors import FocalPointError
from registrations.models import (
    Delivery,
    FocalPoint,
)
from registrations.outbox.queueing import queue_email


def _username_for(email):
    base = email.split("@")[0][:100] or "focal-point"
    username, n = base, 1
    User = get_user_model()
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def active_focal_point(user):
    """The user's active FocalPoint, or None (anonymous, not a focal point, or deactivated)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return FocalPoint.objects.filter(user=user, is_active=True).first()


def display_name(user):
    """How a person is named to focal points and in their mail: the full name, else the e-mail
    address; never the internal username. Also allauth's ``ACCOUNT_USER_DISPLAY``."""
    return user.get_full_name().strip() or user.email or str(user._meta.verbose_name)


@transaction.atomic
def invite_focal_point(*, email, country, first_name="", last_name="", language="en", institution=None):
    """Create a user with no usable password, a verified e-mail address and a FocalPoint, and
    queue the invitation e-mail (a link to set the password). Returns the FocalPoint.

    Raises FocalPointError when an account with this e-mail already exists.
    """
    # allauth stores and compares addresses in lower case.
    email = email.strip().lower()
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise FocalPointError(_("An account with the e-mail %(email)s already exists.") % {"email": email})
    user = User(username=_username_for(email), email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    # Staff vouch for the address, so the focal point is not asked to verify it again.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if institution is not None and institution.country != country:
        institution = None
    focal_point = FocalPoint.objects.create(user=user, country=country, institution=institution)
    send_invitation(focal_point=focal_point, language=language)
    return focal_point


def invitation_link(*, user, language):
    """An absolute link to allauth's "set a new password" page, valid until the password changes
    or PASSWORD_RESET_TIMEOUT passes."""
    with translation.override(language):
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
    return absolute_url(path)


def send_invitation(*, focal_point, language=None):
    """Queue the invitation (or a new copy of it) in the outbox. Returns the Delivery.

    Without ``language``, a copy goes out in the language of the previous one (else English).
    """
    user = focal_point.user
    # A new key per copy: staff may send the invitation again; each copy is its own outbox row.
    prefix = f"focal-point-invite:{user.pk}:"
    previous = Delivery.objects.filter(key__startswith=prefix)
    number = previous.count() + 1
    if language is None:
        language = previous.order_by("-pk").values_list("language", flat=True).first() or "en"
    # Country names are translated when read: read it in the invitation's language ("México").
    with translation.override(language):
        country_name = str(focal_point.country.name)
    return queue_email(
        key=f"{prefix}{number}",
        kind="focal_point_invitation",
        to_email=user.email,
        language=language,
        template="focal_point_invitation",
        context={
            "user": user,
            "language": language,
            "country_name": country_name,
            "link": invitation_link(user=user, language=language),
            "login_url": absolute_reverse("account_login", language=language),
            "timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
    )


def _set_active(focal_point, active):
    focal_point.is_active = active
    focal_point.save(update_fields=["is_active"])
    focal_point.user.is_active = active
    focal_point.user.save(update_fields=["is_active"])


@transaction.atomic
def deactivate_focal_point(*, focal_point):
    """The person can no longer sign in nor see the country's area."""
    _set_active(focal_point, False)


@transaction.atomic
def reactivate_focal_point(*, focal_point):
    _set_active(focal_point, True)


@transaction.atomic
def move_focal_point(*, focal_point, country):
    """Give the focal point another country; an institution of the old country is dropped."""
    focal_point.country = country
    if focal_point.institution_id and focal_point.institution.country != country:
        focal_point.institution = None
    focal_point.save(update_fields=["country", "institution"])
    return focal_point
