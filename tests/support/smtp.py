"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

Tests point Django's SMTP backend (or a Celery worker's environment) at it and count the
messages that arrive. ``fail_next(n, code)`` makes it answer the next n DATA commands with a
temporary error, as a busy mail server does.
"""

import email
import email.policy
import os
import socket
import threading

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


class RecordingHandler:
    def __init__(self):
        self.messages = []
        self.peers = []  # the client's (address, port) of each message: one port per connection
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
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((list(envelope.rcpt_tos), message))
            self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    def recipients(self):
        with self._lock:
            return [rcpt for rcpts, _message in self.messages for rcpt in rcpts]


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
        return [message for _rcpts, message in self.handler.messages]

    @property
    def connections_with_messages(self):
        """How many SMTP connections carried at least one message (each has a client port of its own)."""
        return len(set(self.handler.peers))
