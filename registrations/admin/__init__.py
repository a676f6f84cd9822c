"""The participants' admin: Django imports this package (``admin`` of the app), which registers
the registrations' admin; the seat reservations are an inline of the session's page."""

from registrations.admin import registrations  # noqa: F401 - imported to register it
