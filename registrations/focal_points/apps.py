from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FocalPointsConfig(AppConfig):
    """A wing of ``registrations`` without models of its own.

    Installed as an app so that Django finds its ``admin`` module and templatetags, and Celery
    its tasks, the way it finds every other app's: nothing registers itself by being imported
    from somewhere else.
    """

    name = "registrations.focal_points"
    label = "registrations_focal_points"
    verbose_name = _("Focal points")
