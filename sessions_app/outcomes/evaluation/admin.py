from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline, TranslationTabularInline

from sessions_app.outcomes.evaluation.models import Choice, Question, Questionnaire


class QuestionInline(TranslationStackedInline):
    model = Question
    extra = 0
    fields = ["order", "kind", "text", "required"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(TabbedTranslationAdmin):
    list_display = ["session", "is_open", "created_at"]
    inlines = [QuestionInline]


class ChoiceInline(TranslationTabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(TabbedTranslationAdmin):
    """The choices of a single-choice question are edited on the question's own page."""

    list_display = ["text", "questionnaire", "kind", "order"]
    list_filter = ["questionnaire", "kind"]
    inlines = [ChoiceInline]
