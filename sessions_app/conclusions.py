"""Conclusions of a session: sanitising what staff type, publishing, announcing.

``publish_conclusions`` marks the session and enqueues the rendering after commit; the rendering
task then calls ``announce_conclusions``, so the e-mail links to PDFs that already exist.
"""

import nh3
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy

from .models import Conclusions, Document, Session

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}}


def sanitize_rich_text(html):
    """Keep simple formatting and web/mail links; drop images, styles, scripts and other URLs.

    Nothing left can make a browser or the PDF renderer fetch anything: no ``img``, no ``link``,
    no ``style``, no ``rel`` (so no ``rel="attachment"``), and only http(s)/mailto hrefs.
    """
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def write_conclusions(*, session, bodies, is_public=None):
    """Create or update the conclusions of ``session`` with ``bodies`` ({language: html}), sanitised."""
    with transaction.atomic():
        conclusions, _created = Conclusions.objects.select_for_update().get_or_create(session=session)
        for language, body in bodies.items():
            if language not in settings.MODELTRANSLATION_LANGUAGES:
                raise ValueError(f"Unknown language {language!r}")
            setattr(conclusions, f"body_{language}", sanitize_rich_text(body))
        if is_public is not None:
            conclusions.is_public = is_public
        conclusions.save()
    return conclusions


# One whole sentence per language, so each translation can word it (and case the language) its own way.
ONLY_AVAILABLE_IN = {
    "en": gettext_lazy("These conclusions are available in English only."),
    "es": gettext_lazy("These conclusions are available in Spanish only."),
    "pt": gettext_lazy("These conclusions are available in Portuguese only."),
}


def conclusions_in(conclusions, *, language):
    """(sanitised html, language it is written in) of the conclusions to show in ``language``.

    The document's own language when staff wrote it there, otherwise the first language of
    ``MODELTRANSLATION_FALLBACK_LANGUAGES`` that has text (as the model's fallback would), so a
    caller can say which language the reader gets. ("", None) when there are no conclusions.
    """
    if conclusions is None:
        return "", None
    fallbacks = settings.MODELTRANSLATION_FALLBACK_LANGUAGES
    for code in (language, *(code for code in fallbacks if code != language)):
        html = sanitize_rich_text(getattr(conclusions, f"body_{code}", ""))
        # An editor leaves "<p><br></p>" in a field it was never written in.
        if strip_tags(html).strip():
            return html, code
    return "", None


def publish_conclusions(*, session):
    """Mark the conclusions of ``session`` published; after commit, render the PDFs and announce them.

    Raises Conclusions.DoesNotExist when staff have written none. Publishing again re-renders
    only what changed and announces only new versions.
    """
    from .tasks import render_documents_task

    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        conclusions = Conclusions.objects.get(session=session)
        session.status = Session.Status.CONCLUSIONS_PUBLISHED
        session.save(update_fields=["status", "updated_at"])
        if conclusions.published_at is None:
            conclusions.published_at = timezone.now()
            conclusions.save(update_fields=["published_at", "updated_at"])
        transaction.on_commit(lambda: render_documents_task.delay(session.pk, announce=True))
    return session


def announcement_recipients(session):
    from registrations.models import Registration

    return Registration.objects.filter(
        session=session,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.ATTENDED],
    ).order_by("pk")


def absolute_url(path):
    return f"{settings.SITE_URL}{path}"


def announce_conclusions(*, session):
    """Queue a "conclusions available" e-mail per registrant and attendee, in their language.

    The key holds the version of the conclusions PDF in that language, so announcing twice sends
    once, and a new version (changed content, published again) is announced again.
    """
    from registrations.outbox import queue_email

    from .documents import latest_documents

    latest = {
        (document.kind, document.language): document
        for document in latest_documents(session=session, kind=Document.Kind.CONCLUSIONS)
    }
    for registration in announcement_recipients(session):
        conclusions_pdf = latest.get((Document.Kind.CONCLUSIONS, registration.language))
        if conclusions_pdf is None:
            continue
        with translation.override(registration.language):
            documents_url = absolute_url(reverse("sessions_app:my_documents", kwargs={"token": registration.token}))
            download_url = absolute_url(
                reverse(
                    "sessions_app:my_document_download",
                    kwargs={"token": registration.token, "pk": conclusions_pdf.pk},
                )
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
