"""Rendering documents into storage, and who may download which.

``render_document`` renders the HTML, compares its hash with the latest version and only then
spends time in WeasyPrint; the PDF is written to the default storage (MEDIA_ROOT) with its
checksum. Views only ever serve stored files.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from registrations.models import Registration
from sessions_app.models import Certificate, Document
from sessions_app.outcomes import pdf
from sessions_app.outcomes.certificates import certificate_refusal, issue_certificate, minimum_minutes

logger = logging.getLogger(__name__)

SESSION_KINDS = (Document.Kind.CONCLUSIONS, Document.Kind.ROADMAP, Document.Kind.AGENDA)


def _is_public(*, kind, data):
    if kind == Document.Kind.AGENDA:
        return data.session.is_public
    if kind in (Document.Kind.CONCLUSIONS, Document.Kind.ROADMAP):
        conclusions = data.conclusions
        return bool(conclusions and conclusions.is_public and conclusions.published_at)
    return False


def _versions(*, session, kind, language, registration):
    documents = Document.objects.filter(session=session, kind=kind, language=language)
    if registration is None:
        return documents.filter(registration__isnull=True)
    return documents.filter(registration=registration)


def render_document(*, session, kind, language, registration=None, data=None):
    """Store a new version of one document if its content changed; return the latest version.

    Safe to run twice or concurrently: equal content makes no new version, and two renderers
    racing for the same version number leave one row (the database's unique constraint decides).
    ``data``: the session's rows, read once by a caller that renders several documents.
    """
    data = data or pdf.SessionData(session)
    html = pdf.document_html(kind=kind, session=session, language=language, registration=registration, data=data)
    content_hash = pdf.content_hash(html)
    is_public = _is_public(kind=kind, data=data)
    versions = _versions(session=session, kind=kind, language=language, registration=registration)
    latest = versions.order_by("-version").first()
    if latest is not None and latest.content_hash == content_hash:
        if latest.is_public != is_public:
            latest.is_public = is_public
            latest.save(update_fields=["is_public"])
        return latest

    data = pdf.html_to_pdf(html)  # slow: outside any transaction
    version = (versions.aggregate(Max("version"))["version__max"] or 0) + 1
    document = Document(
        session=session,
        kind=kind,
        language=language,
        version=version,
        registration=registration,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_hash=content_hash,
        is_public=is_public,
    )
    name = (
        f"{session.slug}-{kind}-{registration.pk}-{language}-v{version}.pdf"
        if registration
        else f"{session.slug}-{kind}-{language}-v{version}.pdf"
    )
    document.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)
        return versions.order_by("-version").first()
    return document


def session_kinds(data):
    """The agenda always; conclusions and roadmap once conclusions exist (``data``: ``pdf.SessionData``)."""
    return SESSION_KINDS if data.conclusions is not None else (Document.Kind.AGENDA,)


def attendees(session):
    return Registration.objects.filter(session=session, status=Registration.Status.ATTENDED).order_by("pk")


def certificate_holders(session):
    """The attendees who get a certificate: ``certificate_refusal`` as one query."""
    holders = attendees(session)
    needed = minimum_minutes(session)
    if needed:
        holders = holders.filter(Q(attended_minutes__isnull=True) | Q(attended_minutes__gte=needed))
    return holders


def certificate_languages(registration):
    """The attendee's own language first, then the other two (all offered on their private page)."""
    codes = [code for code, _name in settings.LANGUAGES]
    own = registration.language if registration.language in codes else codes[0]
    return [own, *(code for code in codes if code != own)]


def render_certificate(*, registration, language=None, data=None):
    """The certificate of an attendee in ``language`` (default: theirs); None if they get none
    (not attended, or below the session's minimum attendance: ``certificate_refusal`` says why).

    Issues the Certificate (verification code, issue date) the first time. ``data``: as for
    ``render_document``.
    """
    if certificate_refusal(registration=registration) is not None:
        return None
    issue_certificate(registration=registration)
    return render_document(
        session=registration.session,
        kind=Document.Kind.CERTIFICATE,
        language=language or certificate_languages(registration)[0],
        registration=registration,
        data=data,
    )


def latest_documents(*, session, kind=None, registration=None, public_only=False):
    """The latest version of each document of ``session`` (one query), certificates included.

    With ``registration``, certificates are limited to that registration's.
    """
    documents = Document.objects.filter(session=session)
    if kind:
        documents = documents.filter(kind=kind)
    if public_only:
        documents = documents.filter(is_public=True)
    latest = {}
    for document in documents.select_related("session").order_by("kind", "language", "registration_id", "-version"):
        latest.setdefault((document.kind, document.language, document.registration_id), document)
    result = list(latest.values())
    if registration is not None:
        result = [d for d in result if d.registration_id in (None, registration.pk)]
    return result


def _is_focal_point(user):
    focal_point = getattr(user, "focal_point", None) if user.is_authenticated else None
    return bool(focal_point and focal_point.is_active)


def user_can_download(*, user, document):
    """Public documents: anyone. Others: staff, and active focal points for non-certificates.

    A certificate carries a person's name: staff need the permission to view registrations.
    """
    if document.kind == Document.Kind.CERTIFICATE:
        return bool(user.is_authenticated and user.is_staff and user.has_perm("registrations.view_registration"))
    if user.is_authenticated and user.is_staff:
        return True
    return document.is_public or _is_focal_point(user)


def registration_can_download(*, registration, document):
    """A registrant (through their private link) gets their session's documents and their certificate."""
    if document.session_id != registration.session_id:
        return False
    if registration.status in (Registration.Status.PENDING, Registration.Status.CANCELLED):
        return document.is_public
    if document.kind == Document.Kind.CERTIFICATE:
        return document.registration_id == registration.pk
    return True


def documents_for_user(*, session, user):
    """The latest documents of ``session`` that ``user`` may download, in a stable order."""
    documents = [
        document
        for document in latest_documents(session=session)
        if document.kind != Document.Kind.CERTIFICATE and user_can_download(user=user, document=document)
    ]
    return sorted(documents, key=_order)


def documents_for_registration(*, registration):
    """What the registrant may download; their certificate in their own language before the others."""
    documents = [
        document
        for document in latest_documents(session=registration.session, registration=registration)
        if registration_can_download(registration=registration, document=document)
    ]
    return sorted(documents, key=lambda document: _order(document, own_language=registration.language))


_KIND_ORDER = {kind: index for index, kind in enumerate(Document.Kind.values)}
_LANGUAGE_ORDER = {code: index for index, (code, _name) in enumerate(settings.LANGUAGES)}


def _order(document, own_language=None):
    own_first = 0 if document.kind == Document.Kind.CERTIFICATE and document.language == own_language else 1
    return (_KIND_ORDER[document.kind], own_first, _LANGUAGE_ORDER.get(document.language, 99))


# ── Personal data ────────────────────────────────────────────────────────────────────────────
# ``registrations.privacy.personal_data`` cannot import this wing; it sends signals, connected to the two
# receivers below in OutcomesConfig.ready, and these call the domain functions.


def certificates_of(*, registration_ids):
    """What is stored about these registrations' certificates, for the person's export."""
    documents = Document.objects.filter(kind=Document.Kind.CERTIFICATE, registration_id__in=registration_ids)
    codes = dict(
        Certificate.objects.filter(registration_id__in=registration_ids).values_list("registration_id", "code")
    )
    return [
        {
            "registration": document.registration_id,
            "verification_code": codes.get(document.registration_id, ""),
            "session": str(document.session.title),
            "language": document.language,
            "version": document.version,
            "size": document.size,
            "sha256": document.sha256,
            "created_at": document.created_at.isoformat(),
        }
        for document in documents.select_related("session").order_by("registration_id", "language", "version")
    ]


def erase_certificates(*, registration_ids, keep_verification=False):
    """Delete the certificates of these registrations: their document rows now, the PDF files once
    the transaction commits (a rollback keeps all), and their verification records (the public
    check then answers 404) unless ``keep_verification``: retention keeps exactly what the privacy
    notice says (code, initials, session, issue date) until ``expire_certificate_records``.
    Returns how many document rows were deleted."""
    documents = Document.objects.filter(kind=Document.Kind.CERTIFICATE, registration_id__in=registration_ids)
    names = [name for name in documents.values_list("file", flat=True) if name]
    deleted, _by_model = documents.delete()
    if not keep_verification:
        Certificate.objects.filter(registration_id__in=registration_ids).delete()

    def delete_files():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("Could not delete the certificate file %s", name)

    transaction.on_commit(delete_files)
    return deleted


def on_collect_personal_data(sender, registration_ids, **kwargs):
    from .evaluation.models import EvaluationInvitation

    # The evaluation keeps only whether the person was invited and answered: never their answers,
    # which are stored apart from them and cannot be found again.
    invitations = [
        {
            "session": str(invitation.questionnaire.session.title),
            "invited_at": invitation.invited_at.isoformat() if invitation.invited_at else None,
            "has_answered": invitation.has_answered,
        }
        for invitation in EvaluationInvitation.objects.filter(registration_id__in=registration_ids)
        .select_related("questionnaire__session")
        .order_by("pk")
    ]
    return [
        {"section": "certificates", "items": certificates_of(registration_ids=registration_ids)},
        {"section": "evaluation", "items": invitations},
    ]


def on_personal_data_erased(sender, registration_ids, keep_verification=False, **kwargs):
    from .evaluation.models import EvaluationInvitation

    erase_certificates(registration_ids=registration_ids, keep_verification=keep_verification)
    # The flag goes with the person; their anonymous answers stay, as nothing links them to anyone.
    EvaluationInvitation.objects.filter(registration_id__in=registration_ids).delete()


def expire_certificate_records(*, now):
    """Delete the verification records issued more than CERTIFICATE_RECORD_DAYS before ``now``.
    Returns how many."""
    cutoff = now - timedelta(days=settings.CERTIFICATE_RECORD_DAYS)
    deleted, _by_model = Certificate.objects.filter(issued_at__lt=cutoff).delete()
    return deleted


def on_retention_applied(sender, now, **kwargs):
    return expire_certificate_records(now=now)
