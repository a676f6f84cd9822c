from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    """The after-session wing of ``sessions_app``; its models stay in ``sessions_app.models``.

    Installed as an app so that Django finds its ``admin`` (which extends the session core's Session
    admin with registrations and outcomes) and Celery its tasks, while the session core never imports it.
    """

    name = "sessions_app.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        # Domain modules name their tasks ("sessions_app.render_documents") instead of importing them; importing
        # the task module here registers them in every process, so they also run eagerly without a broker.
        # A person's export and erasure (in the layer below, which cannot import this wing) reach
        # the certificates through these signals; see registrations.privacy.personal_data.
        from django.db.models.signals import post_delete, post_save

        from common import pagecache, uploads
        from registrations.privacy.personal_data import collect_personal_data, personal_data_erased
        from registrations.privacy.retention import retention_applied
        from sessions_app.outcomes import tasks  # noqa: F401 - imported for its task registrations
        from sessions_app.outcomes.documents import (
            on_collect_personal_data,
            on_personal_data_erased,
            on_retention_applied,
        )
        from sessions_app.outcomes.presentations.models import Presentation

        # A held session's public page (cached for visitors) lists its public presentation files.

        def presentation_changed(**kwargs):
            pagecache.bump(pagecache.CONTENT)

        post_delete.connect(uploads.delete_stored_file, sender=Presentation, dispatch_uid="outcomes-presentation-file")
        for signal, uid in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(
                presentation_changed, sender=Presentation, dispatch_uid=f"outcomes-presentation-{uid}", weak=False
            )

        collect_personal_data.connect(on_collect_personal_data, dispatch_uid="outcomes.collect_personal_data")
        personal_data_erased.connect(on_personal_data_erased, dispatch_uid="outcomes.personal_data_erased")
        retention_applied.connect(on_retention_applied, dispatch_uid="outcomes.retention_applied")
