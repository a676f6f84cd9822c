"""PDF rendering with WeasyPrint: the HTML of each document and the one way it becomes a PDF.

``document_html`` renders ``templates/pdf/<kind>.html`` in one language; its output is all the
content of the PDF, so its SHA-256 tells whether a PDF must be rendered again. ``html_to_pdf``
turns that HTML into a tagged PDF with a URL fetcher that serves the project's own static files
and refuses everything else (http, https, file, data...): text typed by staff or focal points
can never make the renderer read the network or the disk, nor embed a file as an attachment.
"""

import hashlib
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from common.links import absolute_reverse
from registrations.models import Contribution
from sessions_app.models import Certificate, Conclusions, Document
from sessions_app.outcomes.conclusions import ONLY_AVAILABLE_IN, conclusions_in
from sessions_app.outcomes.roadmap import tracker as roadmap_tracker

logger = logging.getLogger(__name__)

# The HTML is rendered with this base URL; the fetcher maps it to the static files finders and
# STATIC_ROOT. The ".invalid" top-level domain can never resolve, should anything ever try.
PDF_BASE_URL = "https://copolad-pdf.invalid/"

# Hostile or runaway input must not exhaust the worker: refuse HTML beyond this size.
MAX_HTML_BYTES = 5_000_000


class RefusedURL(ValueError):
    """The renderer asked for something that is not one of the project's static files."""


def _static_path(url):
    """The local path of ``url`` if it names one of the project's static files, else None."""
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(static_prefix):
        return None
    relative = unquote(parts.path[len(static_prefix) :])
    if not relative or "\x00" in relative or any(part in ("..", "") for part in relative.split("/")):
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


def url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serves the project's static files; every other URL is refused and remembered."""

        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
            self.refused = []

        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                self.refused.append(url)
                logger.warning("PDF renderer refused to fetch %s", url[:200])
                raise RefusedURL(f"Refused: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

        def open(self, url, data=None, timeout=None):  # urllib's entry point: same rule
            return self.fetch(getattr(url, "full_url", url))

    return StaticOnlyURLFetcher


def html_to_pdf(html, *, fetcher=None):
    """Render ``html`` to PDF bytes: tagged (PDF/UA-1), no attachments, static files only."""
    import weasyprint

    if len(html.encode("utf-8")) > MAX_HTML_BYTES:
        raise ValueError("The document is too large to render.")
    fetcher = fetcher or url_fetcher_class()()
    document = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1", attachments=[], presentational_hints=False)


def content_hash(html):
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def _agenda_slots(session):
    items = list(AgendaItem.objects.filter(session=session).prefetch_related("roles__speaker").order_by("order", "pk"))
    return compute_schedule(session, items).flat()


def _roadmap(session):
    """The group's roadmap as its public page shows it (tracker.group_roadmap): grouped by status,
    overdue computed, each action with its sessions and latest progress note."""
    return roadmap_tracker.group_roadmap(session.group).groups


def _contributions(session):
    return list(
        Contribution.objects.filter(session=session, status=Contribution.Status.SUBMITTED)
        .prefetch_related("answers__question")
        .order_by("country")
    )


def _base_context(session, language):
    return {
        "session": session,
        "group": session.group,
        "language": language,
        "starts_at_local": session.starts_at.astimezone(session.zone),
        "ends_at_local": session.ends_at.astimezone(session.zone),
    }


def document_html(*, kind, session, language, registration=None):
    """The HTML of one document in ``language``: everything the PDF shows, nothing volatile."""
    with translation.override(language):
        context = _base_context(session, language)
        if kind == Document.Kind.CONCLUSIONS:
            conclusions_html, conclusions_language = conclusions_in(
                Conclusions.objects.filter(session=session).first(), language=language
            )
            context.update(
                objectives=list(session.objectives.all()),
                questions=list(session.guiding_questions.all()),
                slots=_agenda_slots(session),
                conclusions_html=conclusions_html,
                conclusions_language=conclusions_language,
                # Only when staff have not written them in the document's language: say which one it is.
                conclusions_note=(
                    str(ONLY_AVAILABLE_IN[conclusions_language]) if conclusions_language not in (None, language) else ""
                ),
                contributions=_contributions(session),
                roadmap=_roadmap(session),
            )
        elif kind == Document.Kind.ROADMAP:
            context.update(roadmap=_roadmap(session))
        elif kind == Document.Kind.AGENDA:
            context.update(slots=_agenda_slots(session))
        elif kind == Document.Kind.CERTIFICATE:
            if registration is None:
                raise ValueError("A certificate needs a registration.")
            certificate = Certificate.objects.filter(registration=registration).first()
            context.update(
                registration=registration,
                certificate=certificate,
                verification_url=(
                    absolute_reverse(
                        "outcomes:verify_certificate", kwargs={"code": certificate.code}, language=language
                    )
                    if certificate
                    else ""
                ),
                signatory_name=settings.CERTIFICATE_SIGNATORY_NAME,
                signatory_role=settings.CERTIFICATE_SIGNATORY_ROLE,
            )
        else:
            raise ValueError(f"Unknown document kind {kind!r}")
        return render_to_string(f"pdf/{kind}.html", context)
