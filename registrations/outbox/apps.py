from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The outbox, a wing of ``registrations`` without models of its own (Delivery and Suppression
    stay in ``registrations.models``). Installed as an app so that Django finds its admin and Celery
    its tasks."""

    name = "registrations.outbox"
    label = "registrations_outbox"
    verbose_name = _("Outbox")

    def ready(self):
        # Domain modules name their tasks ("registrations.send_delivery") instead of importing them; importing
        # the task module here registers them in every process, so they also run eagerly without a broker.
        from registrations.outbox import tasks  # noqa: F401 - imported for its task registrations
