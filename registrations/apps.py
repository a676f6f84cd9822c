from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from common import pagecache


def _seats_changed(sender, instance, created=False, update_fields=None, **kwargs):
    """A registration that takes or frees a seat (or a reservation) changes "full" on public pages.

    A new pending registration or a change of someone's details does not.
    """
    if sender.__name__ == "Registration" and update_fields is not None and "status" not in update_fields:
        return
    if sender.__name__ == "Registration" and created and instance.status == instance.Status.PENDING:
        return
    pagecache.bump(pagecache.SEATS)


class RegistrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # Admin edits, imports and the seat functions all save through the models: see pagecache.
        for name in ("Registration", "SeatReservation"):
            model = self.get_model(name)
            post_save.connect(_seats_changed, sender=model, dispatch_uid=f"pagecache-save-{name}")
            post_delete.connect(_seats_changed, sender=model, dispatch_uid=f"pagecache-delete-{name}")
        # What each process keeps of the privacy notice and of the institutions (consent.py, forms.py).
        from registrations.consent import CURRENT_NOTICE
        from registrations.forms import INSTITUTIONS

        for name, memo in (("PrivacyNotice", CURRENT_NOTICE), ("Institution", INSTITUTIONS)):
            model = self.get_model(name)
            post_save.connect(memo.invalidate, sender=model, dispatch_uid=f"memo-save-{name}")
            post_delete.connect(memo.invalidate, sender=model, dispatch_uid=f"memo-delete-{name}")
