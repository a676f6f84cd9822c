import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings")

app = Celery("copolad_wg")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps register their own tasks (see their AppConfig.ready); discovery covers any other app.
app.autodiscover_tasks()
