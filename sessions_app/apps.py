from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from common import pagecache


def create_cache_table(sender, using="default", **kwargs):
    """Without Redis the cache lives in a table (settings); ``migrate`` alone makes it, so saving a
    session right after a migration (the demo, the admin) finds it. Existing tables are left alone."""
    call_command("createcachetable", database=using, verbosity=0)


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = _("Sessions")

    def ready(self):
        pagecache.watch_content("sessions_app", "agenda")
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="sessions_app.create_cache_table")
