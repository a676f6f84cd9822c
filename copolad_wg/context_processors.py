"""What every page's layout reads from the settings."""

from django.conf import settings


def programme_contact(request):
    """The programme team's address: the footer and every "write to the programme team" link."""
    return {"PROGRAMME_CONTACT_EMAIL": settings.PROGRAMME_CONTACT_EMAIL}
