"""The register form's long selects are built once per language and process, never per request."""

import pytest
from django.utils import translation

from registrations.forms import RegistrationForm, choice_lists

pytestmark = pytest.mark.django_db


def test_country_choices_are_built_once_per_language_in_that_language():
    spanish = choice_lists("es")["countries"]
    english = choice_lists("en")["countries"]

    assert choice_lists("es")["countries"] is spanish
    assert dict(spanish)["DE"] == "Alemania"
    assert dict(english)["DE"] == "Germany"
    assert spanish[0] == ("", "—")


def test_a_form_uses_the_shared_lists_as_they_are():
    with translation.override("pt"):
        form = RegistrationForm()

    # The same object: Django does not copy (and normalise again) hundreds of options per form.
    assert form.fields["country"].choices is choice_lists("pt")["countries"]
    assert form.fields["time_zone"].choices is choice_lists("pt")["zones"]
    brazil = dict(choice_lists("pt")["zones"])["Brasil"]
    assert ("America/Sao_Paulo", "Brasília, São Paulo, Rio de Janeiro") in brazil
