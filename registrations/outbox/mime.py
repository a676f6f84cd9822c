"""The bytes of an outbox message for SMTP, written directly instead of through ``email.generator``.

Django's EmailMessage builds a tree of ``email.mime`` objects and the standard library flattens it,
folding and re-encoding every header of every part: over a millisecond per message, more than
the rest of sending a mailing's message. Every outbox message has one of a few shapes (plain
text, with an HTML alternative, with a calendar file), so this writes those shapes by hand, in the
encodings Django chooses: UTF-8, 7bit or 8bit, quoted-printable when a line is too long for SMTP;
headers through Django's own checks (no line breaks, RFC 2047 for what is not ASCII). The calendar
part, the same for every recipient of a language, is encoded once per process.
``tests/registrations/test_mime.py`` checks each shape against the message Django builds.
"""

import functools
import re
import secrets

from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers, utf8_charset_qp

_NEWLINES = re.compile(r"\r\n|\r|\n")
CRLF = "\r\n"


def message_bytes(*, from_email, to, subject, body_text, body_html="", ics="", ics_method="REQUEST", headers):
    """The whole message, CRLF line endings, as ``smtplib.SMTP.sendmail`` takes it.

    ``headers``: the rest of the top-level headers in order (Date, Message-ID, List-Unsubscribe...).
    Raises django.core.mail.BadHeaderError for a header value with a line break, as Django does.
    """
    part = _text_part("plain", body_text)
    if body_html:
        part = _multipart("alternative", [part, _text_part("html", body_html)])
    if ics:
        part = _multipart("mixed", [part, _calendar_part(ics, ics_method)])
    head, payload = part
    top = {"Subject": subject, "From": from_email, "To": to, **headers}
    lines = [f"{name}: {value}{CRLF}" for name, value in (_header(name, str(value)) for name, value in top.items())]
    return f"MIME-Version: 1.0{CRLF}{''.join(lines)}".encode("ascii") + head + CRLF.encode() + payload


@functools.lru_cache(maxsize=64)
def _header(name, value):
    # Cached: a mailing's subject and sender repeat, and encoding a header is the costly part.
    name, value = forbid_multi_line_headers(name, value, "utf-8")
    # Header.encode folds long values with "\n "; SMTP wants CRLF.
    return name, value.replace("\n", CRLF)


def _text_part(subtype, text, params=""):
    """Headers and body of one text part, as Django encodes it (SafeMIMEText with utf-8)."""
    text = str(text)
    payload = _NEWLINES.sub(CRLF, text).encode("utf-8")
    if max(map(len, payload.split(b"\r\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        # SMTP limits a line to 998 octets: too long a line goes quoted-printable, as Django does.
        encoding, payload = "quoted-printable", _NEWLINES.sub(CRLF, utf8_charset_qp.body_encode(text)).encode("ascii")
    else:
        encoding = "7bit" if text.isascii() else "8bit"
    head = f'Content-Type: text/{subtype}; charset="utf-8"{params}{CRLF}Content-Transfer-Encoding: {encoding}{CRLF}'
    return head.encode("ascii"), payload


@functools.lru_cache(maxsize=32)
def _calendar_part(ics, method):
    head, payload = _text_part("calendar", ics, params=f'; method="{method}"')
    return head + b'Content-Disposition: attachment; filename="invite.ics"\r\n', payload


def _multipart(subtype, parts):
    """(headers, body) of a multipart of ``parts``, each a (headers, body) pair, as bytes."""
    boundary = _boundary(parts)
    separator = f"--{boundary}{CRLF}".encode("ascii")
    body = b"".join(separator + head + CRLF.encode() + payload + CRLF.encode() for head, payload in parts)
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}'.encode("ascii")
    return head, body + f"--{boundary}--{CRLF}".encode("ascii")


def _boundary(parts):
    while True:
        boundary = f"==============={secrets.token_hex(12)}=="
        # Random enough never to occur in a part; checked all the same, as the standard library does.
        if not any(boundary.encode() in payload for _head, payload in parts):
            return boundary
