"""Shared builders for the registration tests."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from registrations.models import Registration

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
