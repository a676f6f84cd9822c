"""Publishing the conclusions of a session and announcing them.

Staff first see ``publication_plan`` (who would be mailed, in which language, what was sent
before), then choose: "update the documents only" (no e-mail) or "announce" (one e-mail per
registrant). ``publish_conclusions`` records that choice as a Publication, marks the session and,
after commit, enqueues the rendering; the rendering task reports its progress on the Publication
and, when asked, calls ``announce_conclusions``, so the e-mail links to PDFs that already exist.
"""

from collections import Counter
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Least
from django.utils import timezone

from common.links import absolute_reverse
from registrations.models import Delivery, Registration
from registrations.notifications import placeholder_name
from registrations.outbox.queueing import queue_email, render_email
from registrations.tokens import LINK_PLACEHOLDER
from sessions_app.completeness import missing_translations
from sessions_app.models import Conclusions, Document, Publication, Session
from sessions_app.outcomes.documents import SESSION_KINDS, certificate_holders, latest_documents

# Named rather than imported: tasks.py imports this module.
RENDER_DOCUMENTS_TASK = "sessions_app.render_documents"
ANNOUNCEMENT_KIND = "conclusions_available"
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def announcement_recipients(session):
    return Registration.objects.filter(
        session=session,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.ATTENDED],
    ).order_by("pk")


def documents_to_render(session):
    """How many PDFs one publication renders: session documents and every certificate, each in 3 languages."""
    return len(SESSION_KINDS) * len(LANGUAGE_CODES) + certificate_holders(session).count() * len(LANGUAGE_CODES)


@dataclass
class PublicationPlan:
    """Everything the confirmation page shows before staff publish."""

    session: Session
    has_conclusions: bool
    recipients_by_language: list  # [(code, name, count)]
    recipient_count: int
    documents: int
    certificates: int
    previous: list  # Publications, newest first
    already_sent: dict  # {"sent": n, "failed": n, "pending": n, "suppressed": n, "total": n}
    gaps: list = field(default_factory=list)

    @property
    def is_first(self):
        return not self.previous


def publication_plan(session):
    """Who would be mailed, by language; what was published and sent before; what is untranslated."""
    counts = Counter(announcement_recipients(session).values_list("language", flat=True))
    names = dict(settings.LANGUAGES)
    by_language = [(code, names[code], counts.get(code, 0)) for code in LANGUAGE_CODES]
    sent = Delivery.objects.filter(kind=ANNOUNCEMENT_KIND, registration__session=session).aggregate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        pending=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        suppressed=Count("pk", filter=Q(status=Delivery.Status.SUPPRESSED)),
        total=Count("pk"),
    )
    certificates = certificate_holders(session).count()
    return PublicationPlan(
        session=session,
        has_conclusions=Conclusions.objects.filter(session=session).exists(),
        recipients_by_language=by_language,
        recipient_count=sum(counts.values()),
        documents=len(SESSION_KINDS) * len(LANGUAGE_CODES),
        certificates=certificates,
        previous=list(Publication.objects.filter(session=session).select_related("requested_by")[:20]),
        already_sent=sent,
        gaps=missing_translations(session),
    )


def announcement_preview(*, session, language, named=False):
    """(subject, plain text) of the announcement: see ``announcement_preview_parts``."""
    subject, body_text, _html = announcement_preview_parts(session=session, language=language, named=named)
    return subject, body_text


def announcement_preview_parts(*, session, language, named=False):
    """(subject, plain text, HTML) of the announcement as a registrant reading ``language`` gets it.

    ``named`` (a viewer allowed to see registrations): written for the first such registrant, by
    name; otherwise for a placeholder person. Either way the links hold the placeholder key
    (registrations.tokens), never a live one.
    """
    registration = None
    if named:
        registration = announcement_recipients(session).filter(language=language).first()
    if registration is None:
        registration = Registration(session=session, full_name=placeholder_name(language), language=language)
    context = _announcement_context(session=session, registration=registration, document_pk=0)
    return render_email(template=ANNOUNCEMENT_KIND, context=context, language=language)


def publish_conclusions(*, session, announce, requested_by=None):
    """Mark the conclusions of ``session`` published and start a Publication; return it.

    After commit the rendering task renders what changed (session documents, certificates) and,
    with ``announce``, queues one e-mail per registrant for this Publication. With
    ``announce=False`` nobody is mailed. Raises Conclusions.DoesNotExist when staff wrote none.
    """
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        conclusions = Conclusions.objects.get(session=session)
        session.status = Session.Status.CONCLUSIONS_PUBLISHED
        session.save(update_fields=["status", "updated_at"])
        if conclusions.published_at is None:
            conclusions.published_at = timezone.now()
            conclusions.save(update_fields=["published_at", "updated_at"])
        publication = Publication.objects.create(
            session=session,
            announce=announce,
            requested_by=requested_by,
            documents_total=documents_to_render(session),
        )
        transaction.on_commit(
            lambda: current_app.signature(
                RENDER_DOCUMENTS_TASK, args=(session.pk,), kwargs={"publication_id": publication.pk}
            ).delay()
        )
    return publication


def record_rendered(*, publication_id, count=1):
    """Count rendered documents on the Publication (never beyond its total); finish it if complete."""
    if publication_id is None:
        return
    Publication.objects.filter(pk=publication_id).update(
        documents_done=Least(F("documents_done") + count, F("documents_total")), status=Publication.Status.RUNNING
    )
    finish_if_complete(publication_id=publication_id)


def finish_if_complete(*, publication_id):
    """Done once every document is rendered and, if it announces, the e-mails are queued."""
    Publication.objects.filter(pk=publication_id, documents_done__gte=F("documents_total")).filter(
        Q(announce=False) | Q(announced_at__isnull=False)
    ).exclude(status=Publication.Status.DONE).update(status=Publication.Status.DONE, finished_at=timezone.now())


def fail_publication(*, publication_id, error):
    Publication.objects.filter(pk=publication_id).update(
        status=Publication.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
    )


def publication_deliveries(publication):
    """Counts of the e-mails this Publication queued: sent, failed, pending, suppressed."""
    return Delivery.objects.filter(
        key__startswith=f"conclusions:{publication.session_id}:p{publication.pk}:"
    ).aggregate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        pending=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        suppressed=Count("pk", filter=Q(status=Delivery.Status.SUPPRESSED)),
        total=Count("pk"),
    )


def _announcement_context(*, session, registration, document_pk):
    # The key goes in as the outbox sends (registrations.tokens): no stored copy holds it.
    documents_url = absolute_reverse(
        "outcomes:my_documents", kwargs={"token": LINK_PLACEHOLDER}, language=registration.language
    )
    download_url = absolute_reverse(
        "outcomes:my_document_download",
        kwargs={"token": LINK_PLACEHOLDER, "pk": document_pk},
        language=registration.language,
    )
    return {
        "session": session,
        "registration": registration,
        "download_url": download_url,
        "documents_url": documents_url,
        "attended": registration.status == Registration.Status.ATTENDED,
    }


def announce_conclusions(*, session, publication):
    """Queue a "conclusions available" e-mail per registrant and attendee, in their language.

    The key names the Publication, so running this twice for one Publication sends once, and
    only a Publication that staff chose to announce ever mails anyone. Returns how many were queued.
    """
    if not publication.announce:
        return 0
    latest = {
        document.language: document
        for document in latest_documents(session=session, kind=Document.Kind.CONCLUSIONS)
        if document.registration_id is None
    }
    queued = 0
    for registration in announcement_recipients(session):
        conclusions_pdf = latest.get(registration.language)
        if conclusions_pdf is None:
            continue
        queue_email(
            key=f"conclusions:{session.pk}:p{publication.pk}:{registration.pk}",
            kind=ANNOUNCEMENT_KIND,
            to_email=registration.email,
            language=registration.language,
            template=ANNOUNCEMENT_KIND,
            registration=registration,
            context=_announcement_context(session=session, registration=registration, document_pk=conclusions_pdf.pk),
        )
        queued += 1
    Publication.objects.filter(pk=publication.pk).update(announced=queued, announced_at=timezone.now())
    finish_if_complete(publication_id=publication.pk)
    return queued
