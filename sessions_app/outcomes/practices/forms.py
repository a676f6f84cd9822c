from django import forms
from django.utils.translation import gettext_lazy as _

from common.uploads import DocumentField
from registrations.models import Institution
from sessions_app.models import Session, ThematicFocus
from sessions_app.outcomes.practices.models import Population, Practice
from sessions_app.outcomes.practices.text import TEXT_FIELDS


class PracticeForm(forms.ModelForm):
    """A focal point's practice, written in one language (the practice's own): the text fields are
    read from and saved to that language's columns, never copied into the others."""

    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paragraphs, lists, bold and links are kept; anything else is removed."),
    )
    results = forms.CharField(label=_("Results"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    document = DocumentField(label=_("Attach a document (optional)"), required=False)
    document_title = forms.CharField(label=_("Title of the document"), max_length=300, required=False)

    class Meta:
        model = Practice
        fields = [
            "stage",
            "practice_type",
            "themes",
            "populations",
            "institutions",
            "evaluation",
            "evaluation_url",
            "period_start",
            "period_end",
            "links",
            "session",
        ]
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "populations": forms.CheckboxSelectMultiple,
            "institutions": forms.CheckboxSelectMultiple,
            "links": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, country, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        self.fields["stage"].required = True
        self.fields["practice_type"].required = True
        self.fields["themes"].queryset = ThematicFocus.objects.all()
        self.fields["populations"].queryset = Population.objects.all()
        self.fields["institutions"].queryset = Institution.objects.filter(country=country).order_by("name")
        self.fields["session"].queryset = Session.objects.exclude(
            status__in=[Session.Status.DRAFT, Session.Status.CANCELLED]
        ).order_by("-starts_at")
        self.fields["session"].required = False
        if self.instance.pk:
            for name in TEXT_FIELDS:
                self.initial[name] = getattr(self.instance, f"{name}_{language}", "")
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxSelectMultiple):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)
        self.order_fields(["title", "summary", "description", "results", "stage", "practice_type", "themes"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end year comes after the start year."))
        if cleaned.get("document") and not cleaned.get("document_title"):
            self.add_error("document_title", _("Give the document a title."))
        return cleaned
