"""The staff's second factor (django-allauth's MFA), under names staff read in their language."""

from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _


class StaffAuthenticator(Authenticator):
    """allauth's Authenticator as a proxy: its own model has no translatable names."""

    class Meta:
        proxy = True
        app_label = "registrations"
        verbose_name = _("second-factor method")
        verbose_name_plural = _("second-factor methods")
