"""The register form's long selects are built once per language and process, never per request, and
written from HTML kept with them: the same bytes as Django's select templates write."""

import pytest
from django import forms
from django.utils import translation

from registrations.forms import Choices, OptionsSelect, RegistrationForm, choice_lists

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


class DjangoSelect(forms.Select):
    """Django's own select, with the ``data-country`` each option of ours carries: the reference."""

    def __init__(self, countries):
        super().__init__()
        self.countries = countries

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if self.countries.get(str(value)):
            option["attrs"]["data-country"] = self.countries[str(value)]
        return option


def both_ways(choices, value, attrs):
    ours = OptionsSelect()
    ours.choices = choices
    reference = DjangoSelect(choices.countries)
    reference.choices = list(choices)
    return ours.render("field", value, attrs), reference.render("field", value, attrs)


@pytest.mark.parametrize("language", ["en", "es", "pt"])
@pytest.mark.parametrize("value", [None, "", "UY", "America/Montevideo", "UTC", "not-an-option"])
def test_the_long_selects_write_what_djangos_templates_write(language, value):
    attrs = {"id": "id_field", "class": "form-select is-invalid", "required": True, "disabled": False}
    with translation.override(language):
        for choices in (choice_lists(language)["countries"], choice_lists(language)["zones"]):
            ours, djangos = both_ways(choices, value, attrs)
            assert ours == djangos


def test_options_are_escaped_and_only_the_first_of_a_value_is_selected():
    choices = Choices(
        [("", "—"), ('<Uruguay & "co">', [("7", "Junta <Nacional> & Drogas")]), ("", "——"), ("other", "Other")],
        countries={"7": "UY"},
    )

    ours, djangos = both_ways(choices, "", {"id": "id_institution"})
    selected, _djangos = both_ways(choices, 7, {"id": "id_institution"})

    assert ours == djangos
    assert '<optgroup label="&lt;Uruguay &amp; &quot;co&quot;&gt;">' in ours
    assert ours.count(" selected") == 1
    assert '<option value="7" selected data-country="UY">Junta &lt;Nacional&gt; &amp; Drogas</option>' in selected
