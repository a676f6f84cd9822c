"""The register form's long selects are built once per language and process, never per request."""

from django.utils import translation

from registrations.forms import RegistrationForm, country_choices, time_zone_choices


def test_country_choices_are_built_once_per_language_in_that_language():
    with translation.override("es"):
        spanish = country_choices()
        assert country_choices() is spanish
    with translation.override("en"):
        english = country_choices()

    assert dict(spanish)["DE"] == "Alemania"
    assert dict(english)["DE"] == "Germany"
    assert spanish[0] == ("", "—")
    # Sorted by the name people read in their language: "Alemania" comes early in Spanish only.
    assert [code for code, _name in spanish].index("DE") < [code for code, _name in english].index("DE")


def test_time_zone_choices_are_built_once_and_a_form_uses_them():
    assert time_zone_choices() is time_zone_choices()
    with translation.override("pt"):
        form = RegistrationForm()

    assert list(form.fields["time_zone"].choices) == list(time_zone_choices())
    assert ("America/Sao_Paulo", "America/Sao Paulo") in form.fields["time_zone"].choices
