from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "sessions_app.outcomes.practices"
    label = "practices"
    verbose_name = _("Good practices")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from common import pagecache, uploads
        from sessions_app import completeness
        from sessions_app.outcomes.practices.models import Practice, PracticeDocument

        post_delete.connect(uploads.delete_stored_file, sender=PracticeDocument, dispatch_uid="practices-document-file")

        # A held session's page lists the practices presented in it: a change empties its cache.
        def changed(**kwargs):
            pagecache.bump(pagecache.CONTENT)

        post_save.connect(changed, sender=Practice, dispatch_uid="practices-pagecache-save", weak=False)
        post_delete.connect(changed, sender=Practice, dispatch_uid="practices-pagecache-delete", weak=False)
        m2m_changed.connect(changed, sender=Practice.themes.through, dispatch_uid="practices-pagecache-m2m", weak=False)

        def practice_gaps(session):
            gaps = []
            for practice in Practice.objects.filter(session=session).exclude(status=Practice.Status.REJECTED):
                gaps.extend(completeness.object_gaps(practice))
            return gaps

        if practice_gaps not in completeness.EXTRA_GAP_SOURCES:
            completeness.EXTRA_GAP_SOURCES.append(practice_gaps)
