"""What a recipient gets: a stored delivery holds a placeholder where a private-link key goes
(registrations.tokens), and the outbox writes the key into the bytes it sends."""

from types import SimpleNamespace

from registrations.outbox import sending


def as_sent(delivery):
    """``delivery``'s subject and bodies as they leave for the mail server."""
    body_text, body_html = sending.sent_bodies(delivery)
    return SimpleNamespace(subject=delivery.subject, body_text=body_text, body_html=body_html)
