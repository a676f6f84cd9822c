"""The errors of an admin form listed at its top, each with the field's name and language.

A field in a language tab that is not shown (English, while staff work in Spanish) hid its error:
the list names it ("Title (English): …") and links to it; modeltranslation marks the tab.
"""

from django import template
from django.conf import settings
from django.forms.forms import NON_FIELD_ERRORS
from django.utils.text import capfirst
from modeltranslation.translator import NotRegistered, translator

register = template.Library()


def _label(form, name):
    model = getattr(getattr(form, "_meta", None), "model", None)
    base, _sep, code = name.rpartition("_")
    languages = dict(settings.LANGUAGES)
    if model is not None and code in languages:
        try:
            translated = translator.get_options_for_model(model).fields
        except NotRegistered:
            translated = ()
        if base in translated:
            return f"{capfirst(model._meta.get_field(base).verbose_name)} ({languages[code]})"
    field = form.fields.get(name)
    return str(capfirst(field.label)) if field is not None and field.label else name


@register.simple_tag
def error_summary(adminform, inline_admin_formsets=()):
    """[(label, message, anchor id)] for every field error of the form and of its inline rows."""
    problems = []
    form = getattr(adminform, "form", None)
    if form is not None and form.is_bound:
        for name, errors in form.errors.items():
            if name != NON_FIELD_ERRORS:
                problems += [(_label(form, name), message, f"id_{form.add_prefix(name)}") for message in errors]
    for inline in inline_admin_formsets or ():
        formset = inline.formset
        verbose = capfirst(formset.model._meta.verbose_name)
        for number, row in enumerate(formset.forms, start=1):
            if not row.is_bound:
                continue
            for name, errors in row.errors.items():
                if name == NON_FIELD_ERRORS:
                    continue
                label = f"{verbose} {number} · {_label(row, name)}"
                problems += [(label, message, f"id_{row.add_prefix(name)}") for message in errors]
    return problems
