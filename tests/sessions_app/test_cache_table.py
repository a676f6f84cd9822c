"""Without Redis the cache is a database table: ``migrate`` makes it, so the demo loads right after."""

import pytest
from django.core.cache import caches
from django.db import connection

from sessions_app.apps import create_cache_table

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_database_cache_table_and_keeps_what_it_holds(settings):
    settings.CACHES = {
        **settings.CACHES,
        "tabled": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_tabled_cache"},
    }
    assert "test_tabled_cache" not in connection.introspection.table_names()

    create_cache_table(sender=None)
    caches["tabled"].set("page", "kept")
    create_cache_table(sender=None)  # every later migrate

    assert "test_tabled_cache" in connection.introspection.table_names()
    assert caches["tabled"].get("page") == "kept"
