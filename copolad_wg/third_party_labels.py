"""Labels of the third-party apps staff read in the admin, kept in our own catalogues.

django-auditlog ships no Spanish or Portuguese catalogue, django-allauth none for plain "pt", and
Django's Portuguese one lacks a few recent admin strings. Django merges the catalogues of every app
with ours (``LOCALE_PATHS`` first), so a msgid listed here and translated in ``locale/`` is what
staff read. ``gettext_noop`` only marks the strings for ``makemessages``; nothing calls this at run
time. The scan of the admin pages (tests/admin_pages) fails when one is missing.
"""

from django.utils.translation import gettext_noop

LABELS = [
    # django-auditlog: the app, its list and its entry page.
    gettext_noop("Audit log"),
    gettext_noop("Audit log: %s"),
    gettext_noop("Created"),
    gettext_noop("Resource"),
    gettext_noop("Action"),
    gettext_noop("action"),
    gettext_noop("Changes"),
    gettext_noop("Correlation ID"),
    gettext_noop("Click to filter by records with this correlation id"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
    gettext_noop("Field"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("Relationship"),
    gettext_noop("Objects"),
    gettext_noop("User"),
    gettext_noop("View"),
    # django-allauth's second factor, which Django shows as an app of the admin.
    gettext_noop("MFA"),
    gettext_noop("Recovery codes"),
    gettext_noop("TOTP Authenticator"),
    # Django's own Spanish and Portuguese messages after a save put a masculine article before any model
    # name ("El sesión … fue agregado", "Elinscripción … fue eliminado"): ours name the model without one.
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    # Django's Portuguese catalogue lacks these (password and user pages).
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be "
        "able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("salt"),
    gettext_noop("hash"),
    gettext_noop("algorithm"),
]
