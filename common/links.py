"""Absolute links for what leaves the site: e-mails, calendar files, PDFs.

Pages link with paths; anything read elsewhere needs ``SITE_URL`` in front. This is the one place
that puts it there.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation


def absolute_url(path):
    """``SITE_URL`` + ``path`` (which starts with a slash)."""
    return settings.SITE_URL.rstrip("/") + path


def absolute_reverse(viewname, *, kwargs=None, language=None):
    """The absolute URL of ``viewname``, with the language prefix of ``language`` when given."""
    if language is None:
        return absolute_url(reverse(viewname, kwargs=kwargs))
    with translation.override(language):
        return absolute_url(reverse(viewname, kwargs=kwargs))
