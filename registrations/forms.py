"""Forms for participants: registering for a session and changing their own details.

They validate and normalise only; the views hand ``cleaned_data`` to ``registrations.seats``.
"""

import unicodedata
from functools import lru_cache

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.pagecache import ProcessMemo
from common.timezones import zone_countries, zone_label, zones_by_country
from registrations.consent import current_notice, published_notice
from registrations.models import Institution, Registration
from registrations.validators import validate_multiline, validate_single_line


class SingleLineField(forms.CharField):
    """A one-line text: NFC-normalised, no CR/LF or other control characters (no header injection)."""

    default_validators = [validate_single_line]

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


OTHER_INSTITUTION = "other"


class NoRequiredAttributeInput(forms.TextInput):
    """No ``required`` attribute: the field is required only for one answer of another field."""

    def use_required_attribute(self, initial):
        return False


class InstitutionNameField(SingleLineField):
    """Required when the institution is "Other" (or the country lists none), which ``clean()``
    checks: marked required (crispy's asterisk) without refusing an empty value on its own."""

    widget = NoRequiredAttributeInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, required=True, **kwargs)

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class Choices(BaseChoiceIterator):
    """Options built once and shared by every form. Django normalises any other list of choices
    again for each form instance (hundreds of options each time); an iterator it leaves alone.

    ``countries`` maps an option's value to the ``data-country`` of its ``<option>`` (the script
    shows only the chosen country's). The options' HTML is written once too (``html``).
    """

    def __init__(self, options, *, countries=None):
        self.options = tuple(options)
        self.countries = countries or {}

    def __iter__(self):
        return iter(self.options)

    def __len__(self):
        return len(self.options)

    def __getitem__(self, index):
        return self.options[index]

    @cached_property
    def html(self):
        """([the HTML of each line inside the select], {value: (its line's index, the line selected)}).

        The lines are what Django's select templates write for these choices, byte for byte; only
        the first option of a value can be the selected one, as in Django.
        """
        lines, selectable = [], {}
        for value, label in self.options:
            if isinstance(label, list | tuple):
                lines.append(format_html('\n  <optgroup label="{}">', value))
                for option_value, option_label in label:
                    self._add_option(lines, selectable, option_value, option_label)
                lines.append("\n  </optgroup>")
            else:
                self._add_option(lines, selectable, value, label)
        return lines, selectable

    def _add_option(self, lines, selectable, value, label):
        value = "" if value is None else str(value)
        country = self.countries.get(value)
        start = format_html('\n  <option value="{}"', value)
        # Django's option template ends with a line break: the same bytes, so the pages do not change.
        if country:
            end = format_html(' data-country="{}">{}</option>\n', country, label)
        else:
            end = format_html(">{}</option>\n", label)
        if value not in selectable:
            selectable[value] = (len(lines), start + " selected" + end)
        lines.append(start + end)


class OptionsSelect(forms.Select):
    """A select of hundreds of options (countries, time zones, institutions) written from the HTML
    that its ``Choices`` keep, instead of through a template per option on every request. The
    page gets the same HTML as from Django's own select."""

    def render(self, name, value, attrs=None, renderer=None):
        if not isinstance(self.choices, Choices):
            return super().render(name, value, attrs, renderer)
        lines, selectable = self.choices.html
        chosen = self.format_value(value)
        if chosen and chosen[0] in selectable:
            index, selected = selectable[chosen[0]]
            lines = [*lines[:index], selected, *lines[index + 1 :]]
        opening = format_html('<select name="{}"{}>', name, _attributes(self.build_attrs(self.attrs, attrs)))
        return mark_safe(opening + "".join(lines) + "\n</select>")  # noqa: S308 - each part is escaped above


def _attributes(attrs):
    """Attributes as Django's ``attrs.html`` writes them: in order, True bare, False left out."""
    return mark_safe(  # noqa: S308 - format_html escapes each name and value
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


@lru_cache(maxsize=8)
def choice_lists(language):
    """The form's fixed lists in ``language``, built once per language and process.

    {"countries": [(code, name)] (the programme's countries first), "zones": [(country name,
    [(zone, label)])] in the same country order, each zone's option marked with its country}.
    """
    with translation.override(language):
        country_choices = [("", "—")]
        zone_groups = []
        for country in countries:
            if not country.code:
                # django-countries' break between the programme's countries and the others.
                country_choices.append(("", str(country.name)))
                continue
            name = str(country.name)
            country_choices.append((country.code, name))
            names = zones_by_country().get(country.code)
            if names:
                zone_groups.append((name, [(zone, zone_label(zone)) for zone in names]))
        zone_groups.append((gettext("Other"), [("UTC", "UTC")]))
        return {
            "countries": Choices(country_choices),
            "zones": Choices([("", "—"), *zone_groups], countries=zone_countries()),
        }


class DetailsForm(forms.Form):
    full_name = SingleLineField(label=_("Full name"), max_length=200)
    position = SingleLineField(label=_("Position"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), widget=OptionsSelect)
    institution = forms.ChoiceField(
        label=_("Institution"),
        required=False,
        widget=OptionsSelect,
        help_text=_("Institutions of your country are listed first; choose “Other” if yours is not there."),
    )
    institution_name = InstitutionNameField(
        label=_("Name of your institution"),
        max_length=300,
        help_text=_("Only if you chose “Other” above."),
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        widget=OptionsSelect,
        help_text=_("Only needed when your country has several. Times in our e-mails are shown in this zone."),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        help_text=_("Only used for the programme's gender-disaggregated statistics."),
    )
    gender_self_described = SingleLineField(
        label=_("Gender in your own words"),
        max_length=100,
        required=False,
        help_text=_("Only if you chose “Self-described” above."),
    )
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

    def __init__(self, *args, country_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if country_locked:
            # Moving a held seat to another country is for staff (reserved seats per country).
            self.fields["country"].disabled = True
            self.fields["country"].help_text = _(
                "To change your country once you hold a seat or a place on the waiting list, "
                "write to the programme team: %(email)s."
            ) % {"email": settings.PROGRAMME_CONTACT_EMAIL}
        language = translation.get_language() or settings.LANGUAGE_CODE
        lists = choice_lists(language)
        self.fields["country"].choices = lists["countries"]
        self.fields["time_zone"].choices = lists["zones"]
        self.institutions, self.fields["institution"].choices = institution_options(language)
        self.fields["gender"].choices = [("", "—"), *Registration.Gender.choices]
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["position"].widget.attrs["autocomplete"] = "organization-title"
        self.fields["country"].widget.attrs["autocomplete"] = "country"

    def clean_institution(self):
        value = self.cleaned_data.get("institution")
        if value in ("", OTHER_INSTITUTION):
            return None
        return self.institutions.get(value)

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        institution = cleaned.get("institution")
        if institution is not None and country and institution.country.code != country:
            self.add_error("institution", _("This institution is not from the country you chose."))
        if institution is not None:
            cleaned["institution_name"] = ""
        elif "institution_name" in cleaned and not cleaned.get("institution_name"):
            self.add_error("institution_name", _("Choose your institution from the list or type its name."))
        zone = cleaned.get("time_zone")
        if country and not zone:
            zones = zones_by_country().get(country, [])
            if len(zones) == 1:
                cleaned["time_zone"] = zones[0]
            else:
                self.add_error("time_zone", _("Your country has several time zones: choose yours."))
        if cleaned.get("gender") != Registration.Gender.SELF_DESCRIBED:
            cleaned["gender_self_described"] = ""
        return cleaned


def institution_choices():
    """Every institution of the countries' registers: verified ones first in each country."""
    return Institution.objects.order_by("country", "-verified", "name")


# The institutions change when staff or a focal point edit a register (apps.py invalidates this on
# every save and delete); every register and details form reads them.
INSTITUTIONS = ProcessMemo("institutions")


def institution_options(language):
    """({pk as text: Institution}, the select's Choices) in ``language``, kept per process until an
    institution changes. The options are grouped by country (in the country list's order), verified
    institutions first, with "Other" last; each carries its country for the script."""
    return INSTITUTIONS.get(lambda: _institution_options(language), part=language)


def _institution_options(language):
    institutions = {str(institution.pk): institution for institution in institution_choices()}
    by_country = {}
    for pk, institution in institutions.items():
        by_country.setdefault(institution.country.code, []).append((pk, str(institution)))
    with translation.override(language):
        countries_in_order = choice_lists(language)["countries"]
        groups = [(name, by_country[code]) for code, name in countries_in_order if code in by_country]
        other = gettext("Other (type its name)")
    countries = {pk: institution.country.code for pk, institution in institutions.items()}
    return institutions, Choices([("", "—"), *groups, (OTHER_INSTITUTION, other)], countries=countries)


class NoticeAcceptanceMixin:
    """The privacy notice the person was shown (a hidden version number) and their acceptance.

    ``cleaned_data["notice"]`` is that published version, so the consent on record names the text
    the person saw, even if staff publish a new one while the form is open.
    """

    def _add_notice_fields(self, notice):
        self.notice = notice  # the current notice, when the view has it: no second look-up
        self.fields["notice_version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if not self.is_bound and notice is not None:
            self.fields["notice_version"].initial = notice.version

    def clean_notice_version(self):
        version = self.cleaned_data.get("notice_version")
        if self.notice is not None and version in (None, self.notice.version):
            notice = self.notice
        else:
            notice = published_notice(version) or current_notice()
        if notice is None:
            raise forms.ValidationError(_("The privacy notice is not available right now. Please try again later."))
        self.cleaned_data["notice"] = notice
        return notice.version


class RegistrationForm(NoticeAcceptanceMixin, DetailsForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data are used to manage my registration."),
        error_messages={"required": _("Registration needs your consent to the privacy notice.")},
    )

    field_order = [
        "email",
        "full_name",
        "position",
        "country",
        "institution",
        "institution_name",
        "time_zone",
        "language",
        "gender",
        "gender_self_described",
        "accessibility_needs",
        "contact_opt_in",
        "consent",
    ]

    def __init__(self, *args, session=None, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_notice_fields(notice)
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class AcceptNoticeForm(NoticeAcceptanceMixin, forms.Form):
    """The confirm page of someone a focal point or staff registered: accept the notice first."""

    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data are used to manage my registration."),
        error_messages={"required": _("Confirming needs your consent to the privacy notice.")},
    )
    contact_opt_in = forms.BooleanField(
        label=_("I would like to hear about future activities of the working group."), required=False
    )

    def __init__(self, *args, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_notice_fields(notice)


def details_initial(registration):
    return {
        "full_name": registration.full_name,
        "position": registration.position,
        "institution": str(registration.institution_id) if registration.institution_id else OTHER_INSTITUTION,
        "institution_name": registration.institution_name,
        "country": registration.country.code if registration.country else "",
        "language": registration.language,
        "time_zone": registration.time_zone,
        "gender": registration.gender,
        "gender_self_described": registration.gender_self_described,
        "accessibility_needs": registration.accessibility_needs,
        "contact_opt_in": registration.contact_opt_in,
    }


class FindRegistrationForm(forms.Form):
    """The address whose private links to send again (``notifications.send_private_links``)."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        error_messages={"required": _("Enter the e-mail address you registered with.")},
    )
