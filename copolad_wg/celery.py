import os

from celery import Celery

# Connects the signals that carry a request's id into the tasks it publishes.
from . import observability  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings")

app = Celery("copolad_wg")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps register their own tasks (see their AppConfig.ready); discovery covers any other app.
app.autodiscover_tasks()
