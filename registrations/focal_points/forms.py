"""Forms of the focal-point area and of the staff invitation: they validate and normalise, the
domain functions in ``services`` do the writing.

A nomination is validated by ``NominationForm`` whether it comes from the form or from a pasted or
uploaded row (``nomination_rows``), so both follow one set of rules and say the same things.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from registrations.focal_points.errors import FocalPointError
from registrations.focal_points.institutions import find_duplicate_institution
from registrations.focal_points.nominations import (
    BULK_COLUMNS,
    MAX_BULK_ROWS,
    RowResult,
    detect_delimiter,
    read_rows,
    row_text,
)
from registrations.forms import SingleLineField
from registrations.models import Institution
from registrations.validators import validate_single_line

MAX_UPLOAD_BYTES = 1_000_000


class ErrorSummaryMixin:
    """``field_errors``: (bound field, message) for the summary at the top of a form."""

    @property
    def field_errors(self):
        return [(field, error) for field in self.visible_fields() for error in field.errors]


class InstitutionForm(ErrorSummaryMixin, forms.ModelForm):
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


class InstitutionChoiceField(forms.ModelChoiceField):
    """An institution of the country: chosen in the select (its key), or typed in a pasted row by
    name or acronym, matched as the register matches duplicates (case, accents, punctuation)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = None  # the country's institutions, when the caller has them already

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, Institution) or str(value).isdigit():
            return super().to_python(value)
        institutions = self.loaded if self.loaded is not None else list(self.queryset)
        match = find_duplicate_institution(country=None, name=value, institutions=institutions)
        if match is None:
            raise forms.ValidationError(
                _("“%(name)s” is not in your country's register of institutions: add it first."),
                code="unknown",
                params={"name": value},
            )
        return match


class NominationForm(ErrorSummaryMixin, forms.Form):
    full_name = SingleLineField(
        label=_("Full name"),
        max_length=200,
        error_messages={
            "required": _("The name is missing."),
            "max_length": _("The name is longer than 200 characters."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail"),
        error_messages={
            "required": _("The e-mail address is missing."),
            "invalid": _("“%(value)s” is not a valid e-mail address."),
        },
    )
    position = SingleLineField(
        label=_("Position"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("The position is longer than 200 characters.")},
    )
    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        error_messages={"required": _("The institution is missing.")},
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, country, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(country=country).order_by("name")
        self.fields["institution"].loaded = institutions

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def row_errors(self):
        """Every message, in field order: what a row of a bulk nomination reports."""
        return [message for name in self.fields for message in self.errors.get(name, [])] + list(
            self.non_field_errors()
        )


class NominationEditForm(ErrorSummaryMixin, forms.Form):
    """What a focal point may change in a nomination: not the address (another address is another person)."""

    full_name = NominationForm.base_fields["full_name"]
    position = NominationForm.base_fields["position"]
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        error_messages={"required": _("The institution is missing.")},
    )
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(country=country).order_by("name")

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())


class MergeInstitutionForm(forms.Form):
    """On an institution's page: another entry of the same country to merge into it."""

    duplicate = forms.ModelChoiceField(
        label=_("Merge this duplicate into it"),
        queryset=Institution.objects.none(),
        error_messages={
            "required": _("Choose the duplicate to merge."),
            "invalid_choice": _("Choose the duplicate to merge."),
        },
    )

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = (
            Institution.objects.filter(country=target.country).exclude(pk=target.pk).order_by("name")
        )
        self.fields["duplicate"].widget.attrs["class"] = "form-select"


def nomination_rows(text, *, country, language):
    """Validate each pasted or uploaded row with NominationForm; returns one RowResult per row,
    with ``cleaned`` set on the valid ones. Raises ValidationError when the text cannot be read."""
    try:
        rows = read_rows(text)
    except FocalPointError as error:
        raise forms.ValidationError(str(error)) from None
    if len(rows) > MAX_BULK_ROWS:
        raise forms.ValidationError(_("At most %(count)d rows at a time, please.") % {"count": MAX_BULK_ROWS})
    columns = BULK_COLUMNS
    delimiter = detect_delimiter(text)
    institutions = list(Institution.objects.filter(country=country))
    first_line_of = {}
    results = []
    for line, cells in rows:
        # Spreadsheets often end a row with empty cells: those are not columns.
        while len(cells) > len(columns) and not cells[-1]:
            cells = cells[:-1]
        values = dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=False))
        result = RowResult(line=line, values=values, text=row_text(cells, delimiter))
        results.append(result)
        column_error = _column_error(len(cells), len(columns))
        if column_error:
            result.errors.append(column_error)
            continue
        form = NominationForm({**values, "language": language}, country=country, institutions=institutions)
        if not form.is_valid():
            result.errors.extend(form.row_errors())
            if form.has_error("institution", code="unknown"):
                result.unknown_institution = values["institution"]
            continue
        key = form.cleaned_data["email"].casefold()
        if key in first_line_of:
            result.errors.append(_("Same e-mail as line %(line)d.") % {"line": first_line_of[key]})
            continue
        first_line_of[key] = line
        result.cleaned = form.cleaned_data
    return results


def _column_error(count, expected):
    """What is wrong with a line of ``count`` cells, named as what it is; None when it is right."""
    if count == expected:
        return None
    if count == 1:
        # One cell: the line uses another separator (or none), not "the e-mail is missing".
        return str(
            _(
                "This line has 1 column: separate name, e-mail, position and institution with commas, "
                "semicolons or tabs."
            )
        )
    if count > expected:
        return ngettext(
            "This line has %(count)d column, not 4 (name, e-mail, position, institution). "
            "Put quotes around a name or position that contains the separator.",
            "This line has %(count)d columns, not 4 (name, e-mail, position, institution). "
            "Put quotes around a name or position that contains the separator.",
            count,
        ) % {"count": count}
    return ngettext(
        "This line has %(count)d column, not 4: name, e-mail, position (may be empty) and institution.",
        "This line has %(count)d columns, not 4: name, e-mail, position (may be empty) and institution.",
        count,
    ) % {"count": count}


class BulkNominationForm(ErrorSummaryMixin, forms.Form):
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

    def __init__(self, *args, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not (cleaned.get("rows") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError(_("Paste some rows or choose a file."))
        text = "\n".join(part for part in (cleaned.get("rows", ""), cleaned.get("file", "")) if part)
        cleaned["results"] = nomination_rows(text, country=self.country, language=cleaned["language"])
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


class ContributionReviewForm(forms.Form):
    """The review step's explicit confirmation; ``version`` is the draft the person reviewed."""

    confirm = forms.BooleanField(
        label=_("I have checked these answers. Submit them for my country; I know they can no longer be changed."),
        error_messages={"required": _("Tick the box to confirm that you want to submit these answers.")},
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)
