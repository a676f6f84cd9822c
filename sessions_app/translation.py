from modeltranslation.translator import TranslationOptions, register

from sessions_app.models import (
    Conclusions,
    GuidingQuestion,
    MethodologyStep,
    Objective,
    RoadmapItem,
    Session,
    ThematicFocus,
    WorkingGroup,
)


@register(ThematicFocus)
class ThematicFocusTranslation(TranslationOptions):
    fields = ("name",)


@register(WorkingGroup)
class WorkingGroupTranslation(TranslationOptions):
    fields = ("name", "description", "signatory_title")


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ("title", "context", "main_outcome", "target_participants", "languages")


@register(Objective)
class ObjectiveTranslation(TranslationOptions):
    fields = ("text",)


@register(MethodologyStep)
class MethodologyStepTranslation(TranslationOptions):
    fields = ("text",)


@register(GuidingQuestion)
class GuidingQuestionTranslation(TranslationOptions):
    fields = ("text",)


@register(Conclusions)
class ConclusionsTranslation(TranslationOptions):
    fields = ("body",)


@register(RoadmapItem)
class RoadmapItemTranslation(TranslationOptions):
    fields = ("title", "description", "period")
