from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # Domain modules name their tasks ("registrations.send_delivery") instead of importing them;
        # importing the task modules here registers them in every process, so that without a broker
        # they run eagerly instead of being sent to a broker that is not there.
        from . import tasks  # noqa: F401
        from .mail import tasks as mail_tasks  # noqa: F401
