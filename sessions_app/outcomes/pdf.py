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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from agenda.models import AgendaItem
from agenda.timing import compute_schedule
from common.links import absolute_reverse
from registrations.models import Contribution
from sessions_app.languages import fallback_note, row_in
from sessions_app.models import Certificate, Conclusions, Document
from sessions_app.outcomes.certificates import minutes_shown, qr_code_svg
from sessions_app.outcomes.conclusions import ONLY_AVAILABLE_IN, conclusions_in
from sessions_app.outcomes.roadmap import tracker as roadmap_tracker

logger = logging.getLogger(__name__)

# The HTML is rendered with this base URL; the fetcher maps it to the static files finders and
# STATIC_ROOT. The ".invalid" top-level domain can never resolve, should anything ever try.
PDF_BASE_URL = "https://copolad-pdf.invalid/"

# Hostile or runaway input must not exhaust the worker: refuse HTML beyond this size.
MAX_HTML_BYTES = 5_000_000


# Logos staff uploaded for a group (``logos/`` in the default storage) are served under this path.
UPLOADED_PREFIX = "/uploaded/"
UPLOADED_FOLDERS = ("logos",)


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


def _uploaded_name(url):
    """The storage name of an uploaded logo that ``url`` names, else None."""
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(UPLOADED_PREFIX):
        return None
    name = unquote(parts.path[len(UPLOADED_PREFIX) :])
    pieces = name.split("/")
    if "\x00" in name or pieces[0] not in UPLOADED_FOLDERS or any(part in ("..", "", ".") for part in pieces):
        return None
    return name if default_storage.exists(name) else None


def url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serves the project's static files; every other URL is refused and remembered."""

        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
            self.refused = []

        def fetch(self, url, headers=None):
            uploaded = _uploaded_name(url)
            if uploaded is not None:
                with default_storage.open(uploaded, "rb") as handle:
                    body = handle.read()
                content_type = mimetypes.guess_type(uploaded)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
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


@dataclass
class Row:
    """One agenda item or roadmap action as a document prints it: its texts read in one language."""

    item: object
    title: str
    description: str
    language: str
    note: str  # "(in Spanish)" when the row is not in the document's language
    slot: object = None
    show_title: bool = True


def _row(item, language, slot=None):
    values, code = row_in(item, ("title", "description"), language=language)
    row = Row(item=item, language=code, note=fallback_note(code, language), slot=slot, **values)
    if hasattr(item, "get_kind_display"):
        # "Opening", not "Opening: Opening", when the title only repeats the kind.
        row.show_title = values["title"].strip().casefold() != str(item.get_kind_display()).strip().casefold()
    return row


class SessionData:
    """What a session's documents read from the database, read once for all of them.

    A publication renders nine documents (three kinds in three languages) and each attendee's
    certificate in three languages, and it renders every one of them again whenever it runs, to
    see by the hash of its HTML whether it changed. The rows are the same in every language (a
    translated field holds all three; the template reads the active one), so the documents task
    reads them once and renders each language from them. One instance serves one task: it never
    outlives the run that made it, so it cannot serve stale rows to a later one.
    """

    def __init__(self, session):
        self.session = session

    @cached_property
    def conclusions(self):
        return Conclusions.objects.filter(session=self.session).first()

    @cached_property
    def agenda_slots(self):
        items = AgendaItem.objects.filter(session=self.session).prefetch_related("roles__speaker")
        return compute_schedule(self.session, list(items.order_by("order", "pk"))).flat()

    @cached_property
    def roadmap_actions(self):
        return roadmap_tracker.group_actions(self.session.group)

    @cached_property
    def objectives(self):
        return list(self.session.objectives.all())

    @cached_property
    def questions(self):
        return list(self.session.guiding_questions.all())

    @cached_property
    def contributions(self):
        return list(
            Contribution.objects.filter(session=self.session, status=Contribution.Status.SUBMITTED)
            .prefetch_related("answers__question")
            .order_by("country")
        )

    @cached_property
    def logos(self):
        return [logo for logo in self.session.group.logos.all() if logo.image]

    def agenda_rows(self, language):
        return [_row(slot.item, language, slot=slot) for slot in self.agenda_slots]

    def roadmap(self, language):
        """The group's roadmap as its public page shows it (tracker.group_roadmap): grouped by status,
        overdue computed, each action with its sessions and latest progress note; each action's title
        and description read in one language (``item.row``, set again for each language)."""
        groups = roadmap_tracker.group_roadmap(self.session.group, items=self.roadmap_actions).groups
        for group in groups:
            for item in group.items:
                item.row = _row(item, language)
        return groups


def _base_context(session, language):
    return {
        "session": session,
        "group": session.group,
        "language": language,
        "starts_at_local": session.starts_at.astimezone(session.zone),
        "ends_at_local": session.ends_at.astimezone(session.zone),
    }


def document_html(*, kind, session, language, registration=None, data=None):
    """The HTML of one document in ``language``: everything the PDF shows, nothing volatile.

    ``data``: the session's rows when the caller renders several documents (``SessionData``).
    """
    data = data or SessionData(session)
    with translation.override(language):
        context = _base_context(session, language)
        if kind == Document.Kind.CONCLUSIONS:
            conclusions_html, conclusions_language = conclusions_in(data.conclusions, language=language)
            context.update(
                objectives=data.objectives,
                questions=data.questions,
                slots=data.agenda_rows(language),
                conclusions_html=conclusions_html,
                conclusions_language=conclusions_language,
                # Only when staff have not written them in the document's language: say which one it is.
                conclusions_note=(
                    str(ONLY_AVAILABLE_IN[conclusions_language]) if conclusions_language not in (None, language) else ""
                ),
                contributions=data.contributions,
                roadmap=data.roadmap(language),
            )
        elif kind == Document.Kind.ROADMAP:
            context.update(roadmap=data.roadmap(language))
        elif kind == Document.Kind.AGENDA:
            context.update(slots=data.agenda_rows(language))
        elif kind == Document.Kind.CERTIFICATE:
            if registration is None:
                raise ValueError("A certificate needs a registration.")
            certificate = Certificate.objects.filter(registration=registration).first()
            verification_url = (
                absolute_reverse("outcomes:verify_certificate", kwargs={"code": certificate.code}, language=language)
                if certificate
                else ""
            )
            group = session.group
            context.update(
                registration=registration,
                certificate=certificate,
                attended_minutes=minutes_shown(registration),
                verification_url=verification_url,
                # The QR code is SVG built here from the URL alone: nothing typed by a person reaches it.
                verification_qr=mark_safe(qr_code_svg(verification_url)) if verification_url else "",  # noqa: S308 (paths drawn by qrcode from our own URL)
                # The group's own signatory when staff set one; the programme-wide setting otherwise.
                signatory_name=group.signatory_name or settings.CERTIFICATE_SIGNATORY_NAME,
                signatory_role=group.signatory_title or settings.CERTIFICATE_SIGNATORY_ROLE,
                logos=[
                    {"url": PDF_BASE_URL + UPLOADED_PREFIX.lstrip("/") + logo.image.name, "alt": logo.description}
                    for logo in data.logos
                ],
            )
        else:
            raise ValueError(f"Unknown document kind {kind!r}")
        return render_to_string(f"pdf/{kind}.html", context)
