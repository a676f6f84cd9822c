"""Small but real documents of each kind, built in memory, for the upload rules' tests."""

import io
import zipfile

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode."
)
ELF_BYTES = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def _zip(members, *, first=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first is not None:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main_part, *, extra=None):
    members = {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>", main_part: "<x/>"}
    members.update(extra or {})
    return _zip(members)


def pptx():
    return ooxml("ppt/presentation.xml")


def docx():
    return ooxml("word/document.xml")


def odf(media_type):
    return _zip(
        {"content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<m/>"}, first=("mimetype", media_type)
    )


def odp():
    return odf("application/vnd.oasis.opendocument.presentation")


def odt():
    return odf("application/vnd.oasis.opendocument.text")


def plain_zip():
    return _zip({"readme.txt": "hello", "setup.exe": EXE_BYTES})


def docm():
    return ooxml("word/document.xml", extra={"word/vbaProject.bin": "macro"})
