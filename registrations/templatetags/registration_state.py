"""``{% registration_state session as registration %}``: the session page's primary action.

The same for every visitor (the page is cached whole): the state of registration and its message,
never a form or a seat count.
"""

from django import template

from registrations import rules

register = template.Library()


@register.simple_tag
def registration_state(session):
    """{"state": one of rules' states, "message": what to tell people when it is not open}."""
    state = rules.registration_state(session)
    return {"state": state, "open": state == rules.OPEN, "message": rules.STATE_MESSAGES.get(state, "")}
