from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def register_sqlite_functions(sender, connection, **kwargs):
    """SQLite has no ``unaccent``: give it the fold the search's fallback compares with."""
    if connection.vendor == "sqlite":
        from .folding import fold, strip_markup

        connection.connection.create_function("COPOLAD_FOLD", 1, fold, deterministic=True)
        connection.connection.create_function("COPOLAD_STRIP_MARKUP", 1, strip_markup, deterministic=True)


class DiscoveryConfig(AppConfig):
    name = "sessions_app.discovery"
    label = "discovery"
    verbose_name = _("Search and open data")

    def ready(self):
        connection_created.connect(register_sqlite_functions, dispatch_uid="discovery.sqlite_functions")
