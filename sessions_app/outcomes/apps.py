from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    """The after-session wing of ``sessions_app``; its models stay in ``sessions_app.models``.

    Installed as an app so that Django finds its ``admin`` (the session's whole admin page, which
    shows registrations and outcomes) and Celery its tasks, while the session core never imports it.
    """

    name = "sessions_app.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        # Domain modules name their tasks ("sessions_app.render_documents") instead of importing them; importing
        # the task module here registers them in every process, so they also run eagerly without a broker.
        from . import tasks  # noqa: F401 - imported for its task registrations
