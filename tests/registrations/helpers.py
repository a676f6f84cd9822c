"""Shared builders for the registration tests."""

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
from django.db import connection

from registrations.campaigns import building, rendering
from registrations.models import Mailing, Registration
from registrations.outbox import locks
from tests.factories import SessionFactory

# Threads each hold a database connection: stay well below PostgreSQL's max_connections (100).
WORKERS = 30

PERSON = {
    "full_name": "María José O'Connor-Núñez",
    "position": "Asesora",
    "institution_name": "Junta Nacional de Drogas",
    "country": "UY",
    "language": "es",
    "time_zone": "America/Montevideo",
    "gender": Registration.Gender.WOMAN,
    "accessibility_needs": "",
    "contact_opt_in": False,
}


def person(email, **overrides):
    return {**PERSON, "email": email, **overrides}


def form_data(email="maria@example.org", **overrides):
    data = {
        "email": email,
        "full_name": "María José O'Connor-Núñez",
        "position": "Asesora",
        "institution": "",
        "institution_name": "Junta Nacional de Drogas",
        "country": "UY",
        "language": "es",
        "time_zone": "America/Montevideo",
        "gender": "woman",
        "gender_self_described": "",
        "accessibility_needs": "",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def run_concurrently(function, items, workers=WORKERS):
    """Call ``function(item)`` for every item from a pool of threads; returns (results, errors)."""
    start = threading.Barrier(min(workers, len(items)))

    def call(item):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=5)
            return function(item), None
        except Exception as exc:  # noqa: BLE001 - every error is collected and asserted on
            return None, exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(call, items))
    return [result for result, _error in outcomes], [error for _result, error in outcomes if error]


def rendered(delivery):
    """The delivery as the worker sends it: a registrant's message is written just before sending."""
    from registrations import notifications

    notifications.render_pending(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def stored_certificate(registration, content, *, language="es"):
    """A certificate Document of ``registration`` whose stored file holds ``content`` (bytes); no PDF is rendered."""
    from django.core.files.base import ContentFile

    from sessions_app.models import Document

    document = Document(
        session=registration.session,
        kind=Document.Kind.CERTIFICATE,
        language=language,
        version=1,
        registration=registration,
        sha256="0" * 64,
        content_hash="0" * 64,
    )
    document.file.save(f"cert-{registration.pk}.pdf", ContentFile(content), save=False)
    document.save()
    return document


def built(count):
    """A mailing to ``count`` pasted addresses, built (its rows queued) but not sent."""
    mailing = Mailing(session=SessionFactory(), kind=Mailing.Kind.INVITATION, audience=Mailing.Audience.ADDRESSES)
    rendering.fill_defaults(mailing=mailing)
    mailing.attach_ics = True
    mailing.addresses = "\n".join(f"person{i}@example.org, es" for i in range(count))
    mailing.status = Mailing.Status.QUEUED
    mailing.save()
    building.build_mailing(mailing_id=mailing.pk)  # the batches' hand-over waits for a commit that never comes
    return list(mailing.deliveries.order_by("pk"))


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="send locks are PostgreSQL advisory locks (DATABASE_URL=postgres://...)"
)


class OtherWorker:
    """A second database session that holds send locks, as a worker in the middle of a batch does."""

    def __init__(self):
        settings = connection.settings_dict
        self.session = psycopg2.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
        )
        self.session.autocommit = True

    def hold(self, rows):
        with self.session.cursor() as cursor:
            for row in rows:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [locks.SEND_LOCK_CLASS, locks.send_lock_key(row.pk)])

    def die(self):
        """Close the session and wait until the server has ended it: closing returns before the
        server process lets go of its locks, and a test that goes on at once could still find them."""
        if self.session.closed:
            return
        with self.session.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        self.session.close()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.01)
