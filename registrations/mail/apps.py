from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """A wing of ``registrations`` without models of its own (see ``focal_points/apps.py``)."""

    name = "registrations.mail"
    label = "registrations_mail"
    verbose_name = _("Mail")

    def ready(self):
        # Domain modules name their tasks ("registrations.send_delivery") instead of importing them; importing
        # the task module here registers them in every process, so they also run eagerly without a broker.
        from . import tasks  # noqa: F401 - imported for its task registrations
