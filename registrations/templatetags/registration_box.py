"""``{% registration_box session as box %}``: what the session page's register box shows."""

from django import template
from django.utils import translation

from registrations import privacy, seats
from registrations.forms import RegistrationForm

register = template.Library()


@register.simple_tag
def registration_box(session):
    """{"state", "message", "seats_left", "form"}: a blank form only while registration is open."""
    state = seats.registration_state(session)
    box = {"state": state, "message": seats.STATE_MESSAGES.get(state), "seats_left": None, "form": None}
    if state == seats.OPEN:
        notice = privacy.current_notice()
        box["privacy_notice"] = notice
        box["privacy_notice_version"] = notice.version if notice else ""
        box["seats_left"] = seats.seats_left(session)
        box["form"] = RegistrationForm(session=session, notice=notice, initial={"language": translation.get_language()})
    return box
