from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from . import pagecache


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = _("Sessions")

    def ready(self):
        pagecache.watch_content("sessions_app", "agenda")
