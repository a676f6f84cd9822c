"""Forms for participants: registering for a session and changing their own details.

They validate and normalise only; the views hand ``cleaned_data`` to ``registrations.seats``.
"""

import unicodedata
from functools import cache

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Institution, Registration
from .seats import known_time_zones
from .validators import validate_multiline, validate_single_line


class Choices(BaseChoiceIterator):
    """Options built once and shared by every form. Django normalises any other list of choices
    again for each form instance (hundreds of options each time); an iterator it leaves alone."""

    def __init__(self, options):
        self.options = tuple(options)

    def __iter__(self):
        return iter(self.options)

    def __len__(self):
        return len(self.options)

    def __getitem__(self, index):
        return self.options[index]


@cache
def _country_choices(language):
    # django-countries sorts by the translated name, so the list differs per language.
    return Choices((("", "—"), *countries))


def country_choices():
    """The country select's options in the active language, built once per language and process."""
    return _country_choices(get_language())


@cache
def time_zone_choices():
    """The time-zone select's options (the same in every language), built once per process."""
    return Choices((name, name.replace("_", " ")) for name in known_time_zones())


class SingleLineField(forms.CharField):
    """A one-line text: NFC-normalised, no CR/LF or other control characters (no header injection)."""

    default_validators = [validate_single_line]

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


class DetailsForm(forms.Form):
    full_name = SingleLineField(label=_("Full name"), max_length=200)
    position = SingleLineField(label=_("Position"), max_length=200, required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Not in the list: I type it below"),
    )
    institution_name = SingleLineField(
        label=_("Institution (if it is not in the list)"), max_length=300, required=False
    )
    country = forms.ChoiceField(label=_("Country"))
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Your time zone"), help_text=_("Times in our e-mails are shown in this zone and the organiser's.")
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        help_text=_("Only used for the programme's gender-disaggregated statistics."),
    )
    gender_self_described = SingleLineField(label=_("Gender in your own words"), max_length=100, required=False)
    accessibility_needs = forms.CharField(
        label=_("Accessibility or interpretation needs (optional)"),
        max_length=2000,
        required=False,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact_opt_in = forms.BooleanField(
        label=_("I would like to hear about future activities of the working group."), required=False
    )

    def __init__(self, *args, current_institution_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Verified institutions, plus the one a focal point may already have picked for this person.
        allowed = Q(verified=True) | Q(pk=current_institution_id) if current_institution_id else Q(verified=True)
        self.fields["institution"].queryset = Institution.objects.filter(allowed).order_by("country", "name")
        self.fields["country"].choices = country_choices()
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["gender"].choices = [("", "—"), *Registration.Gender.choices]
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["position"].widget.attrs["autocomplete"] = "organization-title"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("institution") and not cleaned.get("institution_name") and "institution_name" in cleaned:
            self.add_error("institution_name", _("Choose your institution from the list or type its name."))
        if cleaned.get("gender") != Registration.Gender.SELF_DESCRIBED:
            cleaned["gender_self_described"] = ""
        return cleaned


class RegistrationForm(DetailsForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data are used to manage my registration."),
        error_messages={"required": _("Registration needs your consent to the privacy notice.")},
    )

    field_order = ["email", "full_name"]

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if session is not None and not self.is_bound:
            self.fields["time_zone"].initial = session.time_zone


def details_initial(registration):
    return {
        "full_name": registration.full_name,
        "position": registration.position,
        "institution": registration.institution_id,
        "institution_name": registration.institution_name,
        "country": registration.country.code if registration.country else "",
        "language": registration.language,
        "time_zone": registration.time_zone,
        "gender": registration.gender,
        "gender_self_described": registration.gender_self_described,
        "accessibility_needs": registration.accessibility_needs,
        "contact_opt_in": registration.contact_opt_in,
    }
