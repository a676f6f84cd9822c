"""Which language a piece of content is shown in: one fallback order for pages, e-mails and PDFs.

The order is ``MODELTRANSLATION_FALLBACK_LANGUAGES`` (settings), read through modeltranslation's
own ``resolution_order``, so a field read on a page (the model's fallback) and a row of a PDF
built here pick the same language. A row (a roadmap action, an agenda item) is read whole in one
language: its title and description never come from two languages.
"""

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import resolution_order

# "(in Spanish)": said beside content shown in another language than the reader's.
IN_LANGUAGE = {
    "en": _("(in English)"),
    "es": _("(in Spanish)"),
    "pt": _("(in Portuguese)"),
}


PORTUGUESE_COUNTRIES = {"BR", "PT", "AO", "MZ", "CV"}
SPANISH_COUNTRIES = {
    "AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI", "PA", "PE", "PY", "SV", "UY", "VE",
}  # fmt: skip


def language_for_country(country):
    """The language people of ``country`` most likely read: pt, es, else en."""
    code = str(country or "").upper()
    if code in PORTUGUESE_COUNTRIES:
        return "pt"
    if code in SPANISH_COUNTRIES:
        return "es"
    return "en"


def fallback_order(language):
    """``language`` first, then the languages to try when a text is blank, e.g. pt → es → en."""
    return resolution_order(language)


def has_text(value):
    return bool(strip_tags(str(value or "")).strip())


def language_of(obj, field, language):
    """The first language of the fallback order in which ``obj.<field>`` has text, else None."""
    for code in fallback_order(language):
        if code in settings.MODELTRANSLATION_LANGUAGES and has_text(getattr(obj, f"{field}_{code}", "")):
            return code
    return None


def row_in(obj, fields, *, language):
    """(values, language) of ``fields`` of ``obj``, all read in one language.

    The language is the first of the fallback order in which the first field (the title) has text;
    the other fields are read in that same language, blank if staff left them blank there.
    """
    code = language_of(obj, fields[0], language) or language
    return {field: getattr(obj, f"{field}_{code}", "") or "" for field in fields}, code


def fallback_note(code, language):
    """ "(in Spanish)" when content in ``code`` is shown to a reader of ``language``, else ""."""
    if code is None or code == language:
        return ""
    return str(IN_LANGUAGE.get(code, ""))
