from modeltranslation.translator import TranslationOptions, register

from agenda.models import AgendaItem, Speaker


@register(AgendaItem)
class AgendaItemTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Speaker)
class SpeakerTranslation(TranslationOptions):
    fields = ("position", "organisation", "bio")
