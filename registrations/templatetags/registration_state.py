"""``{% registration_state session as registration %}``: the session page's primary action.

The same for every visitor (the page is cached whole, and dropped when a seat is taken or freed):
the state of registration, its message and whether the session is full, never a form.
"""

from django import template

from registrations import rules, seat_counts

register = template.Library()


@register.simple_tag
def registration_state(session):
    """{"state": one of rules' states, "open", "full" (while open: newcomers go to the waiting
    list), "seats_left" (while open, with a capacity; None otherwise), "message": what to tell
    people when it is not open}. The page is dropped from the cache whenever a seat is taken or
    freed, so the number shown is the current one."""
    state = rules.registration_state(session)
    is_open = state == rules.OPEN
    left = seat_counts.seats_left(session) if is_open else None
    return {
        "state": state,
        "open": is_open,
        "full": is_open and left == 0,
        "seats_left": left,
        "message": rules.STATE_MESSAGES.get(state, ""),
    }
