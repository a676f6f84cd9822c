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
        from registrations.privacy import tasks  # noqa: F401 - imported for its task registrations

        # Audit entries hold each tracked row's own fields (see the function).
        from registrations.privacy.audit import leave_reverse_relations_out

        leave_reverse_relations_out()
