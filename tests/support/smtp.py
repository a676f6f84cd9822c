"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

Tests point Django's SMTP backend (or a Celery worker's environment) at it and count the
messages that arrive. ``fail_next(n, code)`` makes it answer the next n DATA commands with a
temporary error, as a busy mail server does.
"""

import email
import email.policy
import logging
import os
import socket
import threading
from collections.abc import Sequence

from aiosmtpd.controller import Controller

_taken = set()


def free_port():
    """A free port of 127.0.0.1: one the system picks, or, with TEST_PORTS="8171-8199" (a machine
    shared by people who each keep to a range of their own), the next free one of that range."""
    ports = os.environ.get("TEST_PORTS", "")
    if ports:
        first, last = (int(part) for part in ports.split("-"))
        for _round in range(2):
            for port in range(first, last + 1):
                # A port handed out may not be bound yet: it is skipped until the range is used up.
                if port in _taken:
                    continue
                with socket.socket() as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        continue
                _taken.add(port)
                return port
            _taken.clear()
        raise RuntimeError(f"No free port left in TEST_PORTS={ports}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# aiosmtpd logs each command at INFO ("mail.log"); the tests read what arrived, not that log.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Received(Sequence):
    """The messages received, in order: each parsed (email.policy.default) the first time a test
    reads it. The server keeps the bytes only; counting them parses nothing."""

    def __init__(self, handler):
        self._handler = handler

    def __len__(self):
        return len(self._handler.received)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._handler.message(index + len(self) if index < 0 else index)

    def __eq__(self, other):
        return list(self) == list(other)


class RecordingHandler:
    def __init__(self):
        self.received = []  # (recipients, the message's bytes, the client's (address, port)) as they arrive
        self._parsed = {}
        self._lock = threading.Lock()
        self._failures_left = 0
        self._failure_reply = "421 4.3.2 Service not available, try again later"

    def fail_next(self, count, reply="421 4.3.2 Service not available, try again later"):
        with self._lock:
            self._failures_left = count
            self._failure_reply = reply

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        with self._lock:
            if self._failures_left > 0:
                self._failures_left -= 1
                return self._failure_reply
            self.received.append((list(envelope.rcpt_tos), envelope.content, session.peer))
        return "250 Message accepted for delivery"

    def message(self, index):
        """The message received ``index``-th, parsed."""
        with self._lock:
            if index not in self._parsed:
                self._parsed[index] = email.message_from_bytes(self.received[index][1], policy=email.policy.default)
            return self._parsed[index]

    @property
    def messages(self):
        """(recipients, message) for each message received, all parsed."""
        return [(rcpts, self.message(index)) for index, (rcpts, _raw, _peer) in enumerate(list(self.received))]

    def messages_to(self, address):
        """The messages received for ``address``, parsed (the others are not)."""
        received = list(self.received)
        return [self.message(index) for index, (rcpts, _raw, _peer) in enumerate(received) if address in rcpts]

    @property
    def peers(self):
        return [peer for _rcpts, _raw, peer in list(self.received)]

    def recipients(self):
        with self._lock:
            return [rcpt for rcpts, _raw, _peer in self.received for rcpt in rcpts]


class CountingController(Controller):
    """Counts the SMTP connections it serves (``factory`` makes one server per connection)."""

    connections = 0

    def factory(self):
        self.connections += 1
        return super().factory()


class SMTPSink:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = CountingController(self.handler, hostname="127.0.0.1", port=self.port)
        self._started_with = 0

    def start(self):
        self.controller.start()
        self._started_with = self.controller.connections  # start() connects once to see it listen
        return self

    @property
    def connections(self):
        """SMTP connections clients opened since the sink started."""
        return self.controller.connections - self._started_with

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        return Received(self.handler)

    @property
    def connections_with_messages(self):
        """How many SMTP connections carried at least one message (each has a client port of its own)."""
        return len(set(self.handler.peers))
