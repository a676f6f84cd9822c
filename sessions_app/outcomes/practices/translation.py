from modeltranslation.translator import TranslationOptions, register

from sessions_app.outcomes.practices.models import Population, Practice


@register(Practice)
class PracticeTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "results")


@register(Population)
class PopulationTranslation(TranslationOptions):
    fields = ("name",)
