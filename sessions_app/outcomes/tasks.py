"""Celery tasks for documents: thin wrappers that fetch by primary key and call documents.py.

They run on the "documents" queue with time limits: a hostile or runaway document raises
SoftTimeLimitExceeded (logged, the task fails) and the hard limit kills only that child
process, so the worker lives on. Every task is safe to run twice: equal content, no new version.
With a ``publication_id`` they count what they rendered on that Publication, which the admin's
progress page shows.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from registrations.models import Registration
from sessions_app.models import Publication, Session
from sessions_app.outcomes import documents, pdf, publishing
from sessions_app.outcomes.roadmap import reminders

logger = logging.getLogger(__name__)

# The "documents" queue is set in CELERY_TASK_ROUTES (settings), where Celery wants routing.
DOCUMENT_TASK_OPTIONS = {"soft_time_limit": 120, "time_limit": 180, "acks_late": True}


@shared_task(name="sessions_app.render_documents", **DOCUMENT_TASK_OPTIONS)
def render_documents_task(session_id, announce=False, publication_id=None):
    """Render the session's documents, then the attendees' certificates; announce if the Publication says so.

    ``announce`` is kept for tasks queued before Publications existed; it no longer mails anyone.
    """
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    if session is None:
        return
    data = pdf.SessionData(session)  # the session's rows, read once for all its documents
    try:
        for kind in documents.session_kinds(data):
            for language, _name in settings.LANGUAGES:
                documents.render_document(session=session, kind=kind, language=language, data=data)
                publishing.record_rendered(publication_id=publication_id)
    except SoftTimeLimitExceeded:
        logger.error("Rendering the documents of session %s took too long; stopped", session_id)
        if publication_id:
            publishing.fail_publication(publication_id=publication_id, error="time limit")
        raise
    for registration_id in documents.certificate_holders(session).values_list("pk", flat=True):
        render_certificate_task.delay(registration_id, publication_id=publication_id)
    if publication_id:
        announce_conclusions_task.delay(session_id, publication_id=publication_id)


@shared_task(name="sessions_app.render_certificate", **DOCUMENT_TASK_OPTIONS)
def render_certificate_task(registration_id, publication_id=None):
    """The attendee's certificate in their language first, then in the other two."""
    registration = Registration.objects.select_related("session__group").filter(pk=registration_id).first()
    if registration is None:
        return
    data = pdf.SessionData(registration.session)
    try:
        for language in documents.certificate_languages(registration):
            documents.render_certificate(registration=registration, language=language, data=data)
            publishing.record_rendered(publication_id=publication_id)
    except SoftTimeLimitExceeded:
        logger.error("Rendering the certificate of registration %s took too long; stopped", registration_id)
        raise


@shared_task(name="sessions_app.announce_conclusions", acks_late=True)
def announce_conclusions_task(session_id, publication_id=None):
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    publication = Publication.objects.filter(pk=publication_id).first() if publication_id else None
    if session is not None and publication is not None:
        publishing.announce_conclusions(session=session, publication=publication)


@shared_task(name="sessions_app.send_roadmap_reminders")
def send_roadmap_reminders_task():
    """Beat: queue the roadmap reminders due now (once per action, threshold and person)."""
    queued = reminders.send_roadmap_reminders()
    logger.info("Roadmap reminders queued: %s", queued)
    return queued


@shared_task(name="outcomes.send_evaluation_invitations")
def send_evaluation_invitations_task():
    """Beat: invite each confirmed participant and attendee of ended sessions to the evaluation, once."""
    from .evaluation.invitations import invite_due

    count = invite_due()
    if count:
        logger.info("Queued %s evaluation invitations", count)
    return count
