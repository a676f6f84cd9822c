from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """The mailings staff launch and the portal writes itself, a wing of ``registrations`` above the
    participants (Mailing stays in ``registrations.models``). Installed as an app so that Django finds
    its admin and Celery its tasks. It keeps the label of the ``registrations.mail`` app it came from."""

    name = "registrations.campaigns"
    label = "registrations_mail"
    verbose_name = _("Mailings")

    def ready(self):
        # Domain modules name their tasks ("registrations.build_mailing") instead of importing them;
        # importing the task module here registers them in every process.
        from registrations.campaigns import tasks  # noqa: F401 - imported for its task registrations
