import os

from celery import Celery, signals
from django.db import close_old_connections

# Connects the signals that carry a request's id into the tasks it publishes.
from . import observability  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings")

app = Celery("copolad_wg")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps register their own tasks (see their AppConfig.ready); discovery covers any other app.
app.autodiscover_tasks()


@signals.task_postrun.connect
def _close_old_connections(task=None, **kwargs):
    """After each task, as Django does after each request: close the database connection only when
    it is older than DB_CONN_MAX_AGE or broken (see CELERY_DB_REUSE_MAX in the settings)."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
