"""The bytes a batch hands to the SMTP server (``mime``) hold the same message Django would build."""

import email
import email.policy
import re

import pytest
from django.core.mail import BadHeaderError

from registrations.models import Delivery
from registrations.outbox import sending

CALENDAR = "BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nSUMMARY:Sesión 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
SHAPES = {
    "text only": {"body_text": "Dear colleague,\n\nSee you there.\n"},
    "text and html": {"body_text": "Hola Ana,\n", "body_html": "<p>Hola <b>Ana</b></p>\n"},
    "text, html and calendar": {
        "body_text": "Olá João,\r\naté logo.",
        "body_html": "<p>Olá João</p>",
        "ics": CALENDAR.format(method="REQUEST"),
    },
    "text and a cancellation": {"body_text": "Cancelled.", "ics": CALENDAR.format(method="CANCEL")},
    "a line too long for SMTP": {"body_text": "x" * 990 + " ñandú " * 3 + "\nend", "body_html": "<p>" + "y" * 1200},
    "a long subject, not ASCII": {
        "subject": " ".join(["Invitación: Mecanismos inclusivos para reducir la brecha de desigualdad"] * 3),
        "body_text": "Estimada/o colega,",
    },
    "a name in the address": {"to_email": "Núñez <ana@example.org>", "body_text": "¡Hola!"},
}


def delivery(**fields):
    return Delivery(
        to_email=fields.pop("to_email", "ana@example.org"),
        subject=fields.pop("subject", "Reserve la fecha: Sesión 2"),
        message_id="<123.456@copolad.local>",
        headers={"List-Unsubscribe": "<https://wg.example/es/u/abc:def/>", "List-Unsubscribe-Post": "One-Click"},
        **fields,
    )


def parsed(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def summary(message):
    """What a mail client reads: headers (unfolded), then each part's type, parameters, disposition and text."""
    names = ("Subject", "From", "To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
    headers = {name: " ".join(str(message[name]).split()) for name in names}
    parts = [
        (
            part.get_content_type(),
            dict(part.get_params() or []),
            part.get_content_disposition(),
            part.get_filename(),
            None if part.is_multipart() else part.get_content(),
        )
        for part in message.walk()
    ]
    return headers, parts


@pytest.mark.parametrize("shape", SHAPES)
def test_the_bytes_hold_the_message_django_builds(shape):
    row = delivery(**SHAPES[shape])

    ours = sending.message_bytes(row)
    django = sending.build_message(row).message().as_bytes(linesep="\r\n")

    # Parameters: the boundary is random in both; everything else matches.
    def without_boundary(message):
        headers, parts = summary(message)
        return headers, [
            (kind, {k: v for k, v in params.items() if k != "boundary"}, *rest) for kind, params, *rest in parts
        ]

    assert without_boundary(parsed(ours)) == without_boundary(parsed(django))
    # SMTP's rules: CRLF line ends only, no line over 998 octets, 7-bit headers.
    assert re.search(rb"(?<!\r)\n|\r(?!\n)", ours) is None
    assert max(len(line) for line in ours.split(b"\r\n")) <= 998
    assert ours.split(b"\r\n\r\n")[0].isascii()


def test_the_calendar_part_says_the_files_method():
    message = parsed(sending.message_bytes(delivery(body_text="x", ics=CALENDAR.format(method="CANCEL"))))

    calendar = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    assert calendar["Content-Type"] == 'text/calendar; charset="utf-8"; method="CANCEL"'
    assert calendar.get_content() == CALENDAR.format(method="CANCEL")


def test_a_header_with_a_line_break_is_refused_as_django_refuses_it():
    row = delivery(body_text="x", subject="Hello\r\nBcc: victim@example.org")

    with pytest.raises(BadHeaderError):
        sending.message_bytes(row)
    with pytest.raises(BadHeaderError):
        sending.build_message(row).message()
