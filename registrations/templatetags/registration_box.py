"""``{% registration_box session as box %}``: what the session page's register box shows.

The session page is the same for every visitor and cached whole, so the box carries no form and no
CSRF token: while registration is open it links to the register page, which holds the form.
"""

from django import template

from registrations import seats

register = template.Library()


@register.simple_tag
def registration_box(session):
    """{"state", "message", "seats_left"}: seats only while registration is open."""
    state = seats.registration_state(session)
    box = {"state": state, "message": seats.STATE_MESSAGES.get(state), "seats_left": None}
    if state == seats.OPEN:
        box["seats_left"] = seats.seats_left(session)
    return box
