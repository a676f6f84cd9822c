"""Forms of the focal-point area and of the staff invitation: they validate and normalise, the
domain functions in ``focal_points`` do the writing."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from ..forms import SingleLineField
from ..models import Institution
from ..validators import validate_single_line

MAX_UPLOAD_BYTES = 1_000_000


class InstitutionForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Institution
        fields = ["name", "acronym", "kind", "sector", "website", "contact_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Names show up in lists, e-mails and PDFs: one line, no control or bidirectional characters.
        for name in ("name", "acronym"):
            self.fields[name].validators.append(validate_single_line)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_acronym(self):
        return self.cleaned_data["acronym"].strip()


class NominationForm(forms.Form):
    full_name = SingleLineField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    position = SingleLineField(label=_("Position"), max_length=200, required=False)
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(country=country).order_by("name")

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())


class BulkNominationForm(forms.Form):
    rows = forms.CharField(
        label=_("Paste rows"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One person per line: name, e-mail, position, institution (separated by tabs, commas or semicolons)."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        help_text=_("Same columns; a first line with the column names is skipped."),
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return ""
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        raw = upload.read()
        if b"\x00" in raw:
            raise forms.ValidationError(_("This does not look like a CSV file."))
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("This does not look like a CSV file."))

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("rows") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError(_("Paste some rows or choose a file."))
        cleaned["text"] = "\n".join(part for part in (cleaned.get("rows", ""), cleaned.get("file", "")) if part)
        return cleaned


class ContributionForm(forms.Form):
    """One text area per guiding question, named ``answer_<question pk>``."""

    def __init__(self, *args, contribution, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = []
        for number, (question, answer) in enumerate(contribution.ordered, start=1):
            name = f"answer_{question.pk}"
            self.fields[name] = forms.CharField(
                label=f"{number}. {question.text}",
                required=False,
                max_length=10_000,
                initial=answer.text,
                disabled=read_only,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
            self.questions.append((question, name))

    def answers(self):
        return {question.pk: self.cleaned_data[name].strip() for question, name in self.questions}


class InviteFocalPointForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=countries)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)
