from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.uploads import DocumentField

from ...models import RoadmapItem

MAX_NOTE_LENGTH = 2000


class RoadmapUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RoadmapItem.Status.choices, widget=forms.RadioSelect)
    note_date = forms.DateField(
        label=_("Date of the progress"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day this progress happened or was checked."),
    )
    note = forms.CharField(
        label=_("Progress note"),
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done, what comes next. Shown on the public roadmap as written."),
    )
    link = forms.URLField(
        label=_("Link (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("A public page about this progress, for example a law or a report."),
    )

    document = DocumentField(label=_("Document (optional)"), required=False)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["note_date"].initial = self.today

    def clean_note_date(self):
        value = self.cleaned_data["note_date"]
        # A day later than tomorrow anywhere on Earth is a typing mistake.
        if (value - self.today).days > 1:
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean_note(self):
        return self.cleaned_data["note"].strip()

    @property
    def field_errors(self):
        return [(field, error) for field in self.visible_fields() for error in field.errors]
