from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data protection, a wing of ``registrations`` without models of its own (its model,
    PrivacyNotice, stays in ``registrations.models``): the notice's versions, the person's data,
    retention and the audit log. Installed as an app so that Django finds its admin, templatetags
    and command, and Celery its task."""

    name = "registrations.privacy"
    label = "registrations_privacy"
    verbose_name = _("Data protection")

    def ready(self):
        # Domain modules name their tasks ("registrations.apply_retention") instead of importing them;
        # importing the task module here registers them in every process.
        from registrations.privacy import audit, tasks  # noqa: F401 - tasks: imported for its task registrations

        audit.leave_reverse_relations_out()
