"""Validators for text typed or pasted by people: shared by the forms and the domain modules, so a
pasted row cannot carry what a form refuses. They raise ``ValidationError`` and import nothing from
forms or views."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidirectional overrides can make a name display as something else; they are format characters
# (category Cf) like the joiners that some scripts need, so they are refused by name.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refuse_control_characters(value, *, multiline=False):
    for char in value:
        if multiline and char in "\r\n\t":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or char in BIDI_CONTROLS:
            if multiline:
                raise ValidationError(_("Remove the control characters from this text."), code="control")
            raise ValidationError(
                _("Write this on one line, without line breaks or control characters."), code="control"
            )


def validate_single_line(value):
    _refuse_control_characters(value)


def validate_multiline(value):
    _refuse_control_characters(value, multiline=True)
