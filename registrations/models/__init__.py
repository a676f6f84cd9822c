"""The models of ``registrations``, one module per concern; the app label stays "registrations".

Other modules import them from here (``from registrations.models import Registration``).
"""

from registrations.models.institutions import Contribution, ContributionAnswer, FocalPoint, Institution
from registrations.models.mail import Delivery, Mailing, Suppression
from registrations.models.participants import Registration, SeatReservation, new_link_nonce, new_token
from registrations.models.privacy import PrivacyNotice
from registrations.models.staff import StaffAuthenticator

__all__ = [
    "Contribution",
    "ContributionAnswer",
    "Delivery",
    "FocalPoint",
    "Institution",
    "Mailing",
    "PrivacyNotice",
    "Registration",
    "SeatReservation",
    "StaffAuthenticator",
    "Suppression",
    "new_link_nonce",
    "new_token",
]
