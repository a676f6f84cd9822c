from modeltranslation.translator import TranslationOptions, register

from sessions_app.outcomes.evaluation.models import Choice, Question, Questionnaire


@register(Questionnaire)
class QuestionnaireTranslation(TranslationOptions):
    fields = ("intro",)


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text",)


@register(Choice)
class ChoiceTranslation(TranslationOptions):
    fields = ("text",)
