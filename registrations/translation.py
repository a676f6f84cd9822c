from modeltranslation.translator import TranslationOptions, register

from registrations.models import PrivacyNotice


@register(PrivacyNotice)
class PrivacyNoticeTranslation(TranslationOptions):
    fields = ("controller", "body")
