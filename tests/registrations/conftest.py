"""Fixtures shared by the registration tests."""

import pytest

from tests.registrations.helpers import OtherWorker


@pytest.fixture
def other_worker():
    """A second PostgreSQL session holding send locks, as another worker mid-batch; it dies at the end."""
    worker = OtherWorker()
    yield worker
    worker.die()
