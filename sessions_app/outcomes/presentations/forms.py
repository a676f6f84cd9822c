from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.uploads import DocumentField


class SpeakerUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"}))
    language = forms.ChoiceField(
        label=_("Language of the file"), choices=settings.LANGUAGES, widget=forms.Select(attrs={"class": "form-select"})
    )
    file = DocumentField(label=_("File"), widget=forms.ClearableFileInput(attrs={"class": "form-control"}))
