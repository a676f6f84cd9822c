"""Publishing the conclusions of a session and announcing them.

``publish_conclusions`` marks the session and enqueues the rendering after commit; the rendering
task then calls ``announce_conclusions``, so the e-mail links to PDFs that already exist.
"""

from celery import current_app
from django.db import transaction
from django.utils import timezone

from registrations.mail.outbox import queue_email
from registrations.models import Registration
from sessions_app.links import absolute_reverse

from ..models import Conclusions, Document, Session
from .documents import latest_documents

# Named rather than imported: tasks.py imports this module.
RENDER_DOCUMENTS_TASK = "sessions_app.render_documents"


def publish_conclusions(*, session):
    """Mark the conclusions of ``session`` published; after commit, render the PDFs and announce them.

    Raises Conclusions.DoesNotExist when staff have written none. Publishing again re-renders
    only what changed and announces only new versions.
    """
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        conclusions = Conclusions.objects.get(session=session)
        session.status = Session.Status.CONCLUSIONS_PUBLISHED
        session.save(update_fields=["status", "updated_at"])
        if conclusions.published_at is None:
            conclusions.published_at = timezone.now()
            conclusions.save(update_fields=["published_at", "updated_at"])
        transaction.on_commit(
            lambda: current_app.signature(RENDER_DOCUMENTS_TASK, args=(session.pk,), kwargs={"announce": True}).delay()
        )
    return session


def announcement_recipients(session):
    return Registration.objects.filter(
        session=session,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.ATTENDED],
    ).order_by("pk")


def announce_conclusions(*, session):
    """Queue a "conclusions available" e-mail per registrant and attendee, in their language.

    The key holds the version of the conclusions PDF in that language, so announcing twice sends
    once, and a new version (changed content, published again) is announced again.
    """
    latest = {
        (document.kind, document.language): document
        for document in latest_documents(session=session, kind=Document.Kind.CONCLUSIONS)
    }
    for registration in announcement_recipients(session):
        conclusions_pdf = latest.get((Document.Kind.CONCLUSIONS, registration.language))
        if conclusions_pdf is None:
            continue
        documents_url = absolute_reverse(
            "outcomes:my_documents", kwargs={"token": registration.token}, language=registration.language
        )
        download_url = absolute_reverse(
            "outcomes:my_document_download",
            kwargs={"token": registration.token, "pk": conclusions_pdf.pk},
            language=registration.language,
        )
        key = f"conclusions:{session.pk}:{registration.pk}:{conclusions_pdf.version}"
        queue_email(
            key=key,
            kind="conclusions_available",
            to_email=registration.email,
            language=registration.language,
            template="conclusions_available",
            registration=registration,
            context={
                "session": session,
                "registration": registration,
                "download_url": download_url,
                "documents_url": documents_url,
                "attended": registration.status == registration.Status.ATTENDED,
            },
        )
