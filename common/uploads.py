"""The rules every uploaded document follows: what it is, how large, where it goes, how it leaves.

What a file *is* is read from its bytes, never from its name or the browser's Content-Type:

- PDF: ``%PDF-`` within the first 1 KiB (the PDF specification allows a little junk before it).
- OOXML (PPTX, DOCX): a ZIP whose ``[Content_Types].xml`` exists and whose main part is
  ``ppt/presentation.xml`` or ``word/document.xml``; macro-bearing packages (``vbaProject.bin``) are
  refused.
- ODF (ODP, ODT): a ZIP whose first member is ``mimetype``, stored uncompressed, holding the ODF
  media type, with a ``content.xml`` beside it.
- Executables (PE ``MZ``, ELF, Mach-O, scripts with ``#!``) are refused whatever their name.

This is a magic-number check plus a look at the ZIP's table of contents, written here rather than
taken from a library: python-magic needs the system's libmagic, and the pure-Python sniffers
(filetype, puremagic) stop at "it is a ZIP" or guess OOXML from the first member's name, which is
exactly the check a renamed archive passes. The ZIP's members are listed, never extracted (only the
few bytes of ODF's ``mimetype`` are read), so a ZIP bomb costs nothing.

Files are written and read only through Django's storage API (``default_storage`` behind a
``FileField``), so moving them to object storage is a settings change. Downloads go through a view
that decides who may read the file and then streams it with :func:`file_response`.
"""

import logging
import os
import uuid
import zipfile
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    code: str
    extension: str
    content_type: str
    label: str


PDF = Kind("pdf", "pdf", "application/pdf", "PDF")
PPTX = Kind("pptx", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint")
DOCX = Kind("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word")
ODP = Kind("odp", "odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument")
ODT = Kind("odt", "odt", "application/vnd.oasis.opendocument.text", "OpenDocument")

KINDS = {kind.code: kind for kind in (PDF, PPTX, DOCX, ODP, ODT)}
KIND_CHOICES = [(kind.code, kind.extension.upper()) for kind in KINDS.values()]
ODF_TYPES = {ODP.content_type: ODP, ODT.content_type: ODT}
OOXML_MAIN_PARTS = {"ppt/presentation.xml": PPTX, "word/document.xml": DOCX}

EXECUTABLE_PREFIXES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O 32
    b"\xfe\xed\xfa\xcf",  # Mach-O 64
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java classes)
    b"#!",  # scripts
)
ZIP_MAX_MEMBERS = 5000
HEAD_BYTES = 1024

MESSAGES = {
    "empty": _("The file is empty."),
    "too_large": _("The file is %(size)s; files may be at most %(limit)s."),
    "executable": _("Programs cannot be uploaded. Choose a PDF, PPTX, DOCX, ODP or ODT document."),
    "macros": _("Documents with macros are not accepted. Save it without macros (as .pptx or .docx) or as PDF."),
    "type": _("This file is not a PDF, PPTX, DOCX, ODP or ODT document, whatever its name says."),
}


class UnacceptableFile(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _read_head(fileobj, size=HEAD_BYTES):
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


def _sniff_zip(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                return None
            names = {info.filename for info in infos}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise UnacceptableFile("macros")
            first = infos[0] if infos else None
            if first is not None and first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED:
                if first.file_size > 100:
                    return None
                media_type = archive.read(first).decode("ascii", "replace").strip()
                kind = ODF_TYPES.get(media_type)
                return kind if kind is not None and "content.xml" in names else None
            if "[Content_Types].xml" in names:
                for part, kind in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return kind
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None
    finally:
        fileobj.seek(0)


def sniff(fileobj):
    """The Kind of a readable, seekable file, by content; raises UnacceptableFile otherwise."""
    head = _read_head(fileobj)
    if not head:
        raise UnacceptableFile("empty")
    if head.startswith(EXECUTABLE_PREFIXES):
        raise UnacceptableFile("executable")
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        kind = _sniff_zip(fileobj)
        if kind is not None:
            return kind
    raise UnacceptableFile("type")


def max_upload_size():
    return settings.UPLOAD_MAX_SIZE


def validate_upload(uploaded):
    """Check an uploaded file's size then content; return its Kind or raise a ValidationError whose
    message is in the active language (the uploader's). Reads at most the head and the ZIP index."""
    limit = max_upload_size()
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            MESSAGES["too_large"],
            code="too_large",
            params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )
    try:
        return sniff(uploaded)
    except UnacceptableFile as refusal:
        raise ValidationError(MESSAGES[refusal.code], code=refusal.code) from None


def validate_document_file(value):
    """Model-field validator (``FileField(validators=[validate_document_file])``) for the admin.

    A file already stored is not sniffed again on every save: only a new upload is checked."""
    uploaded = getattr(value, "_file", None)
    if uploaded is None or getattr(value, "_committed", True):
        return
    validate_upload(uploaded)


class DocumentField(forms.FileField):
    """A form field that accepts only the document kinds above, within the size limit.

    Its cleaned value is the uploaded file with ``.kind`` (a Kind) set; ``accept`` lists the
    extensions for the browser's file picker, which is a convenience, never the check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", document_help_text())
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ",".join(f".{kind.extension}" for kind in KINDS.values())
        return attrs

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial and hasattr(uploaded, "seek"):
            uploaded.kind = validate_upload(uploaded)
        return uploaded


def document_help_text():
    from django.utils.functional import lazy

    def text():
        return _("PDF, PPTX, DOCX, ODP or ODT, at most %(limit)s.") % {"limit": filesizeformat(max_upload_size())}

    return lazy(text, str)()


def clean_filename(name, *, kind):
    """A display name safe for headers and paths, ending with the extension of what the file is."""
    base = os.path.splitext(os.path.basename(name or ""))[0]
    base = slugify(base, allow_unicode=False)[:80] or "document"
    return get_valid_filename(f"{base}.{kind.extension}")


def storage_name(prefix, filename):
    """A storage key nobody can guess or collide with: ``prefix/<random>/<clean name>``."""
    return f"{prefix}/{uuid.uuid4().hex}/{os.path.basename(filename)}"


def upload_to(prefix):
    """An ``upload_to`` for FileFields; kept importable by migrations through UploadTo."""
    return UploadTo(prefix)


class UploadTo:
    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, instance, filename):
        return storage_name(self.prefix, filename)

    def deconstruct(self):
        return ("common.uploads.UploadTo", (self.prefix,), {})

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.prefix == self.prefix

    def __hash__(self):
        return hash(self.prefix)


def file_response(fieldfile, *, filename, kind_code, public):
    """Stream a stored file after the view has decided the reader may have it; 404 if it is gone.

    ``public`` lets shared caches keep it; anything behind a private link or a login says no-store."""
    kind = KINDS.get(kind_code, PDF)
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        raise Http404 from None
    except Exception:
        logger.exception("Could not open the stored file %s", fieldfile.name)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=kind.content_type)
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Robots-Tag"] = "noindex"
    return response


def accepts_uploads(view):
    """Mark a view whose form takes a document: the request-body limit grows to the upload limit,
    so an oversized file reaches the form and gets its message instead of a bare 413."""
    view.accepts_uploads = True
    return view


def upload_body_limit():
    """Bytes a request carrying one document may have: the file plus the form around it."""
    return max_upload_size() + 1_048_576


def delete_stored_file(sender, instance, **kwargs):
    """A ``post_delete`` receiver for models with a ``file``: the stored file goes once the row's
    deletion commits (a rollback keeps both), cascades included, through the storage API."""
    from django.db import transaction

    fieldfile = getattr(instance, "file", None)
    if fieldfile and fieldfile.name:
        storage, name = fieldfile.storage, fieldfile.name
        transaction.on_commit(lambda: storage.delete(name))
