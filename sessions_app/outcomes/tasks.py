"""Celery tasks for documents: thin wrappers that fetch by primary key and call documents.py.

They run on the "documents" queue with time limits: a hostile or runaway document raises
SoftTimeLimitExceeded (logged, the task fails) and the hard limit kills only that child
process, so the worker lives on. Every task is safe to run twice: equal content, no new version.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from registrations.models import Registration

from ..models import Session
from . import documents, publishing

logger = logging.getLogger(__name__)

# The "documents" queue is set in CELERY_TASK_ROUTES (settings), where Celery wants routing.
DOCUMENT_TASK_OPTIONS = {"soft_time_limit": 120, "time_limit": 180, "acks_late": True}


@shared_task(name="sessions_app.render_documents", **DOCUMENT_TASK_OPTIONS)
def render_documents_task(session_id, announce=False):
    """Render the session's documents, then the attendees' certificates; announce if asked."""
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    if session is None:
        return
    try:
        documents.render_session_documents(session=session)
    except SoftTimeLimitExceeded:
        logger.error("Rendering the documents of session %s took too long; stopped", session_id)
        raise
    for registration_id in documents.attendees(session).values_list("pk", flat=True):
        render_certificate_task.delay(registration_id)
    if announce:
        announce_conclusions_task.delay(session_id)


@shared_task(name="sessions_app.render_certificate", **DOCUMENT_TASK_OPTIONS)
def render_certificate_task(registration_id):
    registration = Registration.objects.select_related("session__group").filter(pk=registration_id).first()
    if registration is None:
        return
    try:
        documents.render_certificate(registration=registration)
    except SoftTimeLimitExceeded:
        logger.error("Rendering the certificate of registration %s took too long; stopped", registration_id)
        raise


@shared_task(name="sessions_app.announce_conclusions", acks_late=True)
def announce_conclusions_task(session_id):
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    if session is not None:
        publishing.announce_conclusions(session=session)
