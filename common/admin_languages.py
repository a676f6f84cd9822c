"""Translated fields in the admin: a text the model requires is required in one language, any of
them, never in English in particular.

Why any language and not a "main language" field: the group's sessions are prepared in Spanish,
some in Portuguese, a few in English; a main-language field would be one more choice to make and
keep in step with the texts, while the one fallback order (``MODELTRANSLATION_FALLBACK_LANGUAGES``) already shows
every reader the closest language written. So the rule is "write it in at least one language", and
the error goes on the tab of the staff member's own language.

modeltranslation's admin makes the default language (English) required instead; ``one_language_form``
relaxes that and checks the rule in ``clean``.
"""

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from modeltranslation.translator import NotRegistered, translator

LANGUAGES = tuple(settings.MODELTRANSLATION_LANGUAGES)


def has_text(value):
    return bool(strip_tags(str(value or "")).strip())


def required_translated_fields(model):
    """The translated fields of ``model`` that the model itself does not allow blank."""
    try:
        names = translator.get_options_for_model(model).fields
    except NotRegistered:
        return []
    return [name for name in names if not model._meta.get_field(name).blank]


def one_language_form(form_class, model):
    """``form_class`` with each required translated field required in one language of the staff's choice."""
    names = [
        name
        for name in required_translated_fields(model)
        if any(f"{name}_{code}" in form_class.base_fields for code in LANGUAGES)
    ]
    if not names:
        return form_class

    class OneLanguageForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # On the instance: a subclass of a ModelForm builds its fields again from the model.
            for name in names:
                for code in LANGUAGES:
                    field = self.fields.get(f"{name}_{code}")
                    if field is not None:
                        field.required = False

        def clean(self):
            cleaned = super().clean()
            for name in names:
                present = [f"{name}_{code}" for code in LANGUAGES if f"{name}_{code}" in self.fields]
                if present and not any(has_text(cleaned.get(field)) for field in present):
                    own = f"{name}_{(get_language() or '')[:2]}"
                    label = capfirst(model._meta.get_field(name).verbose_name)
                    self.add_error(
                        own if own in present else present[0],
                        _("Write the %(field)s in at least one language.") % {"field": str(label).lower()},
                    )
            return cleaned

    OneLanguageForm.__name__ = form_class.__name__
    OneLanguageForm.__qualname__ = form_class.__qualname__
    return OneLanguageForm


class OneLanguageRequiredAdmin:
    """For a ``TabbedTranslationAdmin``: see ``one_language_form``. A slug is filled in from the
    field in the staff member's own language (``prepopulated_fields`` names the English one)."""

    def get_form(self, request, obj=None, **kwargs):
        return one_language_form(super().get_form(request, obj, **kwargs), self.model)

    def get_prepopulated_fields(self, request, obj=None):
        own = (get_language() or "")[:2]
        if own not in LANGUAGES:
            return super().get_prepopulated_fields(request, obj)
        suffix = f"_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"
        return {
            target: [
                f"{source.removesuffix(suffix)}_{own}" if source.endswith(suffix) else source for source in sources
            ]
            for target, sources in super().get_prepopulated_fields(request, obj).items()
        }


class OneLanguageRequiredInline:
    """For a ``TranslationTabularInline``: see ``one_language_form``."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = one_language_form(formset.form, self.model)
        return formset
