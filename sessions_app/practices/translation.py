from modeltranslation.translator import TranslationOptions, register

from .models import Population, Practice


@register(Practice)
class PracticeTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "results")


@register(Population)
class PopulationTranslation(TranslationOptions):
    fields = ("name",)
