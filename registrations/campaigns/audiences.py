"""Who a mailing goes to, and in which language: registrants by status, focal points, institutions and pasted lists."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from registrations.models import FocalPoint, Institution, Mailing, Registration
from sessions_app.languages import language_for_country

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


# Kinds that only make sense for people who hold a seat; they carry the join link.
JOIN_LINK_KINDS = {Mailing.Kind.REMINDER, Mailing.Kind.UPDATE}


@dataclass
class Recipient:
    email: str
    language: str
    name: str = ""
    time_zone: str = ""
    registration: Registration | None = None


def parse_addresses(text, *, default_language="en"):
    """Read a pasted list, one address per line with an optional language: ``ana@example.org, es``;
    an address without one gets ``default_language`` (the mailing's choice).

    Returns (recipients, errors); each error is a sentence naming the line, what is in it and what
    is wrong with it (not an address, an unsupported language, too many parts). An address repeated
    in any case counts once.
    """
    recipients, errors, seen = [], [], {}
    for number, raw_line in enumerate((text or "").splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[,;\t]", line) if part.strip()]
        email = parts[0] if parts else ""
        language = parts[1].lower() if len(parts) > 1 else default_language
        params = {"number": number, "line": line[:120], "language": language, "languages": ", ".join(LANGUAGE_CODES)}
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("Line %(number)s (“%(line)s”): this is not an e-mail address.") % params)
            continue
        if language not in LANGUAGE_CODES:
            errors.append(
                _("Line %(number)s (“%(line)s”): the language “%(language)s” is not one of %(languages)s.") % params
            )
            continue
        if len(parts) > 2:
            errors.append(_("Line %(number)s (“%(line)s”): write one address and, optionally, its language.") % params)
            continue
        if email.lower() in seen:
            continue  # the same address twice (in any case) is one recipient, not an error
        seen[email.lower()] = number
        recipients.append(Recipient(email=email, language=language))
    return recipients, errors


def known_names(emails):
    """{lower-cased address: name} for addresses the portal knows (registrations, focal points): two queries."""
    lowered = {email.lower() for email in emails}
    names = {}
    for email, name in (
        Registration.objects.annotate(lower=Lower("email"))
        .filter(lower__in=lowered)
        .exclude(full_name="")
        .order_by("created_at")
        .values_list("lower", "full_name")
    ):
        names[email] = name
    for focal_point in (
        FocalPoint.objects.select_related("user").annotate(lower=Lower("user__email")).filter(lower__in=lowered)
    ):
        full_name = focal_point.user.get_full_name()
        if full_name:
            names.setdefault(focal_point.user.email.lower(), full_name)
    return names


def mailing_recipients(mailing):
    """The mailing's recipients, one per address whatever its case, in a stable order."""
    if mailing.audience == Mailing.Audience.REGISTRANTS:
        statuses = mailing.registrant_statuses or [Registration.Status.CONFIRMED]
        if mailing.kind in JOIN_LINK_KINDS:
            statuses = [Registration.Status.CONFIRMED]
        people = [
            Recipient(
                email=registration.email,
                language=registration.language,
                name=registration.full_name,
                time_zone=registration.time_zone,
                registration=registration,
            )
            for registration in mailing.session.registrations.filter(
                status__in=statuses, anonymised_at__isnull=True
            ).order_by("pk")
        ]
    elif mailing.audience == Mailing.Audience.FOCAL_POINTS:
        people = [
            Recipient(
                email=focal_point.user.email,
                language=language_for_country(focal_point.country),
                name=focal_point.user.get_full_name(),
            )
            for focal_point in FocalPoint.objects.filter(is_active=True).select_related("user").order_by("pk")
            if focal_point.user.email
        ]
    elif mailing.audience == Mailing.Audience.INSTITUTIONS:
        # Convened: verified institutions of the register, and any whose people registered for the session.
        institutions = (
            Institution.objects.exclude(contact_email="")
            .filter(Q(verified=True) | Q(registration__session=mailing.session))
            .distinct()
            .order_by("pk")
        )
        people = [
            Recipient(
                email=institution.contact_email,
                language=language_for_country(institution.country),
                name=str(institution),
            )
            for institution in institutions
        ]
    else:
        people, _errors = parse_addresses(mailing.addresses, default_language=mailing.addresses_language)
        names = known_names(person.email for person in people)
        for person in people:
            person.name = names.get(person.email.lower(), "")
    seen, unique = set(), []
    for person in people:
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            unique.append(person)
    return unique
