"""What the focal points' functions refuse with."""


class FocalPointError(Exception):
    """A rule of this module refused the change; ``str(error)`` is a translated message."""
