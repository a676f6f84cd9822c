"""Focal points: invitations, the national institution register, nominations and country answers.

Every write here is a plain function with keyword-only arguments. Views, forms and the admin call
them; nothing in this module knows about requests beyond building the invitation link.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions_app.links import absolute_reverse, absolute_url
from sessions_app.models import GuidingQuestion, Session
from sessions_app.timezones import format_when, zone_for_country

from ..mail.outbox import queue_email
from ..models import (
    Contribution,
    ContributionAnswer,
    Delivery,
    FocalPoint,
    Institution,
    Registration,
    SeatReservation,
)
from ..notifications import send_private_link_after_nomination
from ..seats import SEAT_STATUSES, RegistrationError, find_registration, register_participant

# The participant form's one-line rule, so a pasted row cannot carry what the form refuses.

MAX_BULK_ROWS = 500


class FocalPointError(Exception):
    """A rule of this module refused the change; ``str(error)`` is a translated message."""


class DuplicateInstitution(FocalPointError):
    def __init__(self, existing):
        self.existing = existing
        super().__init__(
            _("“%(name)s” is already in your country's register. Use it instead of adding it again.")
            % {"name": existing}
        )


class ContributionLocked(FocalPointError):
    pass


# --- who is a focal point -------------------------------------------------------------------


def active_focal_point(user):
    """The user's active FocalPoint, or None (anonymous, not a focal point, or deactivated)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return FocalPoint.objects.filter(user=user, is_active=True).first()


def display_name(user):
    """How a person is named to focal points and in their mail: the full name, else the e-mail
    address; never the internal username. Also allauth's ``ACCOUNT_USER_DISPLAY``."""
    return user.get_full_name().strip() or user.email or str(user._meta.verbose_name)


# --- times in the focal point's zone ---------------------------------------------------------


def focal_point_zone(focal_point):
    """The IANA zone of the focal point's country (its capital's), else the portal's."""
    return zone_for_country(focal_point.country.code) or settings.TIME_ZONE


@dataclass(frozen=True)
class Times:
    local: str  # in the focal point's zone
    session: str  # in the session's zone; "" when it is the same zone


def session_times(session, *, zone_name):
    """When ``session`` takes place, as the rest of the portal writes it, in ``zone_name`` and,
    beside it, in the session's own zone."""
    local = format_when(session.starts_at, session.ends_at, zone_name)
    same = session.zone.key == zone_name
    return Times(
        local=local, session="" if same else format_when(session.starts_at, session.ends_at, session.time_zone)
    )


def moment_times(moment, *, zone_name, session):
    """An instant (a submission) in the focal point's zone and in the session's."""
    same = session.zone.key == zone_name
    return Times(
        local=format_when(moment, None, zone_name), session="" if same else format_when(moment, None, session.time_zone)
    )


# --- invitations ------------------------------------------------------------------------------


def _username_for(email):
    base = email.split("@")[0][:100] or "focal-point"
    username, n = base, 1
    User = get_user_model()
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


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


# --- institutions ------------------------------------------------------------------------------


def normalize_key(text):
    """Lower case, no accents, punctuation and spaces collapsed: "Ministério  da Saúde" and
    "ministerio da saude" give the same key."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", stripped.casefold()).split())


def _compact(text):
    """Acronyms compare without spaces and dots: "M.S." is "MS"."""
    return normalize_key(text).replace(" ", "")


# Generic words of institution names, keyed by every spelling and abbreviation people type (accents
# and dots are gone by then): "Min.", "Ministério" and "Ministry" all read "ministerio".
GENERIC_WORDS = {
    **dict.fromkeys(("min", "mins", "minist", "ministerio", "ministry"), "ministerio"),
    **dict.fromkeys(("sec", "secr", "secret", "secretaria", "secretariat"), "secretaria"),
    **dict.fromkeys(("subsec", "subsecretaria"), "subsecretaria"),
    **dict.fromkeys(("dir", "direccion", "direcao", "direccao", "directorate"), "direccion"),
    **dict.fromkeys(("inst", "instituto", "institute"), "instituto"),
    **dict.fromkeys(("nac", "nal", "nacional", "national"), "nacional"),
    **dict.fromkeys(("fed", "federal"), "federal"),
    **dict.fromkeys(("gral", "grl", "general", "geral"), "general"),
}
# Articles, prepositions and "and" in es, pt and en: "Justicia y del Derecho" is "Justicia Derecho".
LINKING_WORDS = frozenset(
    {"a", "al", "and", "da", "das", "de", "del", "do", "dos", "e", "el", "en", "em", "la", "las", "lo", "los"}
    | {"of", "the", "y", "para", "por", "pela", "pelo"}
)


def institution_name_key(name):
    """What two names of one institution have in common: abbreviations of the generic words
    expanded, linking words dropped, and the generic words in any order, so "Min. de Justicia y
    del Derecho", "Ministerio de Justicia y del Derecho" and "Justicia y Derecho, Ministerio de"
    give one key. The specific words keep their order."""
    generic, specific = [], []
    for word in normalize_key(name).split():
        if word in LINKING_WORDS:
            continue
        if word in GENERIC_WORDS:
            generic.append(GENERIC_WORDS[word])
        else:
            specific.append(word)
    if not specific:
        # A name made only of generic words ("Instituto Nacional") keeps its own order.
        return " ".join(generic)
    return " ".join(sorted(generic)) + " | " + " ".join(specific)


def find_duplicate_institution(*, country, name, acronym="", exclude_pk=None, institutions=None):
    """The institution of ``country`` with the same name or acronym, or None.

    Names compare by ``institution_name_key`` (case, accents, punctuation, abbreviations such as
    "Min." or "Inst.", linking words and the order of the generic words do not matter). A name
    typed as an existing acronym ("MIDES") matches too. ``institutions`` may hold the country's
    institutions already loaded."""
    name_key, typed = institution_name_key(name), {_compact(name), _compact(acronym)} - {""}
    if institutions is None:
        institutions = Institution.objects.filter(country=country)
    for institution in institutions:
        if institution.pk == exclude_pk:
            continue
        if name_key and name_key == institution_name_key(institution.name):
            return institution
        if institution.acronym and _compact(institution.acronym) in typed:
            return institution
        if acronym and _compact(acronym) == _compact(institution.name):
            return institution
    return None


INSTITUTION_FIELDS = ("name", "acronym", "kind", "sector", "website", "contact_email")


@transaction.atomic
def create_institution(*, country, data):
    """Add an institution to the country's register. Raises DuplicateInstitution."""
    existing = find_duplicate_institution(country=country, name=data["name"], acronym=data.get("acronym", ""))
    if existing:
        raise DuplicateInstitution(existing)
    return Institution.objects.create(country=country, **{key: data.get(key, "") for key in INSTITUTION_FIELDS})


@transaction.atomic
def update_institution(*, institution, data):
    """Change an institution. A new name or acronym clears staff verification, so staff check it
    again (``institution.verified`` tells the caller). Raises DuplicateInstitution."""
    existing = find_duplicate_institution(
        country=institution.country,
        name=data["name"],
        acronym=data.get("acronym", ""),
        exclude_pk=institution.pk,
    )
    if existing:
        raise DuplicateInstitution(existing)
    # A model form has already copied the new values onto ``institution``: compare with the row.
    stored = Institution.objects.select_for_update().get(pk=institution.pk)
    if (stored.name, stored.acronym) != (data["name"], data.get("acronym", "")):
        institution.verified = False
    for key in INSTITUTION_FIELDS:
        setattr(institution, key, data.get(key, ""))
    institution.save()
    return institution


@transaction.atomic
def merge_institutions(*, target, duplicates):
    """Point every registration and focal point of ``duplicates`` at ``target``, copy what the
    target lacks, and delete the duplicates. Raises FocalPointError across countries."""
    duplicates = [institution for institution in duplicates if institution.pk != target.pk]
    if any(institution.country != target.country for institution in duplicates):
        raise FocalPointError(_("Only institutions of the same country can be merged."))
    pks = [institution.pk for institution in duplicates]
    Registration.objects.filter(institution_id__in=pks).update(institution=target)
    FocalPoint.objects.filter(institution_id__in=pks).update(institution=target)
    for institution in duplicates:
        for key in ("acronym", "sector", "website", "contact_email"):
            if not getattr(target, key) and getattr(institution, key):
                setattr(target, key, getattr(institution, key))
        target.verified = target.verified or institution.verified
    target.save()
    Institution.objects.filter(pk__in=pks).delete()
    return target


# --- reads the focal-point pages share ---------------------------------------------------------


# Once a session is held (or cancelled) its nominations and answers are closed, whatever the clock says.
CLOSED_STATUSES = [
    Session.Status.DRAFT,
    Session.Status.HELD,
    Session.Status.CONCLUSIONS_PUBLISHED,
    Session.Status.CANCELLED,
]


def is_closed_for_focal_points(session, *, now=None):
    """True once the session has started or is held or cancelled: no more nominations or answers."""
    return session.status in CLOSED_STATUSES or session.starts_at <= (now or timezone.now())


def nominable_sessions(*, now=None):
    """Public sessions that have not started yet and are not held or cancelled, soonest first."""
    now = now or timezone.now()
    return (
        Session.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(starts_at__gt=now)
        .select_related("group")
        .order_by("starts_at", "pk")
    )


def upcoming_sessions_for_country(*, country, now=None):
    """Upcoming sessions, each with ``country_registrations`` (not cancelled) counted, the country's
    ``reserved_seats`` (0 when none) and ``reserved_seats_used`` (seats its people hold, up to that number).
    """
    reserved = SeatReservation.objects.filter(session=OuterRef("pk"), country=country).values("seats")[:1]
    return nominable_sessions(now=now).annotate(
        country_registrations=Count(
            "registrations",
            filter=Q(registrations__country=country) & ~Q(registrations__status=Registration.Status.CANCELLED),
        ),
        reserved_seats=Coalesce(Subquery(reserved), 0, output_field=IntegerField()),
        reserved_seats_used=Least(
            Count(
                "registrations",
                filter=Q(registrations__country=country, registrations__status__in=SEAT_STATUSES),
            ),
            F("reserved_seats"),
            output_field=IntegerField(),
        ),
    )


def country_registrations(*, country):
    return Registration.objects.filter(country=country).select_related("session", "institution", "registered_by")


def country_contributions(*, country):
    return Contribution.objects.filter(country=country).select_related("session").order_by("-session__starts_at")


# --- nominations ---------------------------------------------------------------------------------


NOMINATIONS_CLOSED = gettext_lazy("This session has already started: nominations are closed.")


def nominate(*, session, focal_point, data):
    """Register one person for ``session`` on behalf of the focal point's country.

    ``data``: full_name, email, position, institution (of the country) and language. Returns the
    Registration (pending; the person gets the confirmation e-mail). For an address registered for
    the session outside the focal point's country it returns an unsaved Registration of what was
    typed, the same answer as for a fresh address, and the owner is mailed their own link (at most
    once a day). Raises the registration module's RegistrationError (closed...) or FocalPointError
    (the address is already on the country's own list).
    """
    if is_closed_for_focal_points(session):
        raise FocalPointError(str(NOMINATIONS_CLOSED))
    institution = data.get("institution")
    if institution is not None and institution.country != focal_point.country:
        raise FocalPointError(_("Choose an institution of your own country."))
    payload = {
        "full_name": data["full_name"],
        "email": data["email"],
        "position": data.get("position", ""),
        "institution": institution,
        "institution_name": institution.name if institution else "",
        "country": focal_point.country.code,
        "language": data.get("language") or "en",
        # The nominee's mail shows the session in their country's time, beside the session's own.
        "time_zone": data.get("time_zone") or zone_for_country(focal_point.country.code) or session.time_zone,
    }
    existing = find_registration(session=session, email=payload["email"])
    if existing is not None and existing.country == focal_point.country:
        raise FocalPointError(_("%(email)s is already registered for this session.") % {"email": payload["email"]})
    if existing is not None:
        # Registered through another country or by the person: the focal point gets the answer a
        # fresh address gets (what they typed, unsaved), so the form tells nobody who is registered.
        # The address's owner gets their private link again, at most once a day however often
        # anyone tries (a focal point re-sending their own nominee's link is another path).
        send_private_link_after_nomination(registration=existing)
        return Registration(session=session, **payload)
    with transaction.atomic():
        return register_participant(
            session=session,
            data=payload,
            source=Registration.Source.FOCAL_POINT,
            registered_by=focal_point.user,
        )


@dataclass
class RowResult:
    line: int
    values: dict
    errors: list = field(default_factory=list)
    cleaned: dict | None = None  # the row's data once NominationForm accepted it
    registration: Registration | None = None
    text: str = ""  # the row as it goes back into the box when it is not saved
    unknown_institution: str = ""  # the institution typed, when the register does not have it

    @property
    def ok(self):
        return self.registration is not None


BULK_COLUMNS = ("full_name", "email", "position", "institution")
HEADER_WORDS = {"name", "full name", "full_name", "nombre", "nome", "email", "e-mail", "correo"}


def detect_delimiter(text):
    """Tab, semicolon or comma: the one the first lines use."""
    sample = "\n".join(text.splitlines()[:5])
    if "\t" in sample:
        return "\t"
    if sample.count(";") > sample.count(","):
        return ";"
    return ","


def row_text(cells, delimiter):
    """One row written back as a line of the box, quoted where a cell needs it."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(cells)
    return buffer.getvalue()


def read_rows(text):
    """Split pasted text or a CSV file's text into ``(line number, cells)``: tab, semicolon or
    comma separated; a first line of column names is skipped. Raises FocalPointError."""
    delimiter = detect_delimiter(text)
    rows = []
    header_keys = {normalize_key(word) for word in HEADER_WORDS}
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        next_line = 1
        for cells in reader:
            # A quoted cell may span lines: report the line the row starts on, as an editor shows it.
            line_number, next_line = next_line, reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if not rows and line_number == 1 and normalize_key(cells[0]) in header_keys:
                continue
            rows.append((line_number, cells))
    except csv.Error:
        # For instance a cell longer than the csv module's limit: nothing is saved.
        raise FocalPointError(_("These rows could not be read as CSV; nothing was saved.")) from None
    return rows


def bulk_nominate(*, session, focal_point, results):
    """Nominate the person of each valid row (``RowResult.cleaned``, see ``forms.nomination_rows``).

    Each row is saved on its own: a good row is kept whatever happens to the others, a refused row
    saves nothing and says why on its RowResult. Returns ``results``.
    """
    if is_closed_for_focal_points(session):
        raise FocalPointError(str(NOMINATIONS_CLOSED))
    for result in results:
        if result.cleaned is None:
            continue
        try:
            with transaction.atomic():
                result.registration = nominate(session=session, focal_point=focal_point, data=result.cleaned)
        except (RegistrationError, FocalPointError) as error:
            result.errors.append(str(error))
    return results


# --- contributions ---------------------------------------------------------------------------


def contribution_with_answers(*, session, country):
    """The country's contribution for the session with one answer per guiding question, in
    question order on ``contribution.ordered``. Reads only: before the focal point first saves,
    the contribution and its answers are unsaved, empty objects (``contribution.pk is None``)."""
    contribution = Contribution.objects.filter(session=session, country=country).first()
    existing = {}
    if contribution is None:
        contribution = Contribution(session=session, country=country)
    else:
        existing = {answer.question_id: answer for answer in contribution.answers.all()}
    questions = list(GuidingQuestion.objects.filter(session=session).order_by("order", "pk"))
    contribution.ordered = [
        (question, existing.get(question.pk) or ContributionAnswer(question=question)) for question in questions
    ]
    return contribution


def unanswered_questions(contribution):
    """The guiding questions of ``contribution.ordered`` (see ``contribution_with_answers``) with
    no answer written, with their numbers: ``[(number, question), ...]``."""
    return [
        (number, question)
        for number, (question, answer) in enumerate(contribution.ordered, start=1)
        if not (answer.text or "").strip()
    ]


def contribution_version(contribution):
    """A token of the stored answers as reviewed: it changes whenever a draft is saved."""
    return contribution.updated_at.isoformat() if contribution.updated_at else ""


def _lock_open_contribution(*, session, country):
    if is_closed_for_focal_points(session):
        raise ContributionLocked(_("This session has already started: the answers can no longer be changed."))
    contribution, _created = Contribution.objects.get_or_create(session=session, country=country)
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if locked.status == Contribution.Status.SUBMITTED:
        raise ContributionLocked(_("These answers were submitted and can no longer be changed."))
    return locked


@transaction.atomic
def save_contribution(*, session, country, answers, user, submit=False):
    """Store the answers (``{question_pk: text}``) of ``country`` for ``session`` as a draft,
    creating the contribution on its first save; with ``submit`` (staff tools and tests) submit
    them at once. Returns the Contribution.

    Raises ContributionLocked once submitted or once the session has started, FocalPointError
    when submitting empty answers. Focal points submit through ``submit_contribution`` after
    reviewing the draft.
    """
    if submit and not any((text or "").strip() for text in answers.values()):
        # Checked before anything is written: a refused submission leaves no empty draft behind.
        if is_closed_for_focal_points(session):
            raise ContributionLocked(_("This session has already started: the answers can no longer be changed."))
        raise FocalPointError(_("Answer at least one question before submitting."))
    locked = _lock_open_contribution(session=session, country=country)
    # Only the session's own questions: a forged field name cannot attach an answer elsewhere.
    for question_id in GuidingQuestion.objects.filter(session=session, pk__in=answers).values_list("pk", flat=True):
        ContributionAnswer.objects.update_or_create(
            contribution=locked, question_id=question_id, defaults={"text": answers[question_id]}
        )
    locked.updated_by = user
    if submit:
        locked.status = Contribution.Status.SUBMITTED
        locked.submitted_at = timezone.now()
    locked.save()
    return locked


class ContributionChanged(FocalPointError):
    pass


@transaction.atomic
def submit_contribution(*, session, country, user, version):
    """Submit the country's saved draft, exactly as the focal point reviewed it. Returns the
    Contribution, now submitted and read-only.

    ``version`` is ``contribution_version`` of the draft the review step showed. Raises
    ContributionLocked (already submitted, or the session has started), ContributionChanged when
    the draft was saved again since that review (another tab, a colleague), FocalPointError when
    no question has an answer.
    """
    locked = _lock_open_contribution(session=session, country=country)
    if contribution_version(locked) != version:
        raise ContributionChanged(
            _("The answers were changed after you reviewed them. Check them again before submitting.")
        )
    if not locked.answers.exclude(text__regex=r"^\s*$").exists():
        raise FocalPointError(_("Answer at least one question before submitting."))
    locked.status = Contribution.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.updated_by = user
    locked.save()
    return locked


def with_answers(contributions):
    """Only the contributions with something written: staff pages and exports skip empty drafts."""
    written = ContributionAnswer.objects.filter(contribution=OuterRef("pk")).exclude(text="")
    return contributions.filter(Q(status=Contribution.Status.SUBMITTED) | Exists(written))


@transaction.atomic
def reopen_contribution(*, contribution, user):
    """Staff give a submitted contribution back to the focal point as a draft."""
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    locked.status = Contribution.Status.DRAFT
    locked.submitted_at = None
    locked.updated_by = user
    locked.save()
    return locked
