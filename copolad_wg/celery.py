import os

from celery import Celery, signals
from django.db import close_old_connections

# Connects the signals that carry a request's id into the tasks it publishes.
from copolad_wg import observability  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings")

app = Celery("copolad_wg")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps register their own tasks (see their AppConfig.ready); discovery covers any other app.
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_stale_database_connections(task=None, **kwargs):
    """Around each task, what Django does around each request: keep the database connection for
    CONN_MAX_AGE seconds (health-checked before reuse) and drop one that is broken or too old.

    Celery's own Django fix-up would close it every time (CELERY_DB_REUSE_MAX in settings stops
    that), so each task of a mailing paid for a new PostgreSQL connection. An eager task runs inside
    the caller's request or transaction and leaves the connection alone.
    """
    if task is not None and not task.request.is_eager:
        close_old_connections()
