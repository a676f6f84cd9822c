"""Translation completeness: which content of a session staff have not yet written in es or pt.

A field counts as missing in a language when it has text in another language and none in this
one; the page then falls back to the other language, which staff should know before they mail
or publish. Fixed number of queries, whatever the size of the agenda.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext
from modeltranslation.translator import translator

from agenda.models import AgendaItem
from sessions_app.models import Conclusions

LANGUAGES = tuple(settings.MODELTRANSLATION_LANGUAGES)

# Wings above the session core add the gaps of their own content here (the practices presented in
# the session), from their AppConfig.ready: a function (session) -> [Gap, ...]. The core imports none.
EXTRA_GAP_SOURCES = []


@dataclass
class Gap:
    where: str  # "Session", "Agenda item “Opening”"...
    field: str  # the field's verbose name
    missing: tuple  # language codes

    @property
    def missing_names(self):
        names = dict(settings.LANGUAGES)
        return ", ".join(str(names[code]) for code in self.missing)


def _has_text(value):
    return bool(strip_tags(value or "").strip())


def _gaps(obj, where):
    gaps = []
    for name in translator.get_options_for_model(type(obj)).fields:
        values = {code: getattr(obj, f"{name}_{code}", "") for code in LANGUAGES}
        if not any(_has_text(value) for value in values.values()):
            continue
        missing = tuple(code for code, value in values.items() if not _has_text(value))
        if missing:
            gaps.append(
                Gap(where=where, field=str(capfirst(type(obj)._meta.get_field(name).verbose_name)), missing=missing)
            )
    return gaps


def missing_translations(session):
    """Every translated field of the session, its objectives, methodology, questions, agenda and
    conclusions that has text in some language and lacks it in another, in page order."""
    gaps = _gaps(session, str(capfirst(session._meta.verbose_name)))
    for related in (
        session.objectives.all(),
        session.methodology_steps.all(),
        session.guiding_questions.all(),
        AgendaItem.objects.filter(session=session).order_by("order", "pk"),
    ):
        for obj in related:
            where = f"{capfirst(obj._meta.verbose_name)} “{Truncator(str(obj)).chars(40)}”"
            gaps.extend(_gaps(obj, where))
    conclusions = Conclusions.objects.filter(session=session).first()
    if conclusions is not None:
        gaps.extend(_gaps(conclusions, str(capfirst(Conclusions._meta.verbose_name))))
    for source in EXTRA_GAP_SOURCES:
        gaps.extend(source(session))
    return gaps


def object_gaps(obj):
    """The gaps of one translated object, named by its kind and title (for a wing's own content)."""
    return _gaps(obj, f"{capfirst(obj._meta.verbose_name)} “{Truncator(str(obj)).chars(40)}”")


def missing_before_public(session):
    """What a session lacks to be shown to the public, as sentences in the active language.

    A public page with nothing but a title and a date confused people; staff open it once the
    concept note's essentials are in: the context, at least one objective, one guiding question and
    one agenda item. Empty list: nothing missing. Four queries.
    """
    missing = []
    if not any(_has_text(getattr(session, f"context_{code}", "")) for code in LANGUAGES):
        missing.append(gettext("the context"))
    if not session.objectives.exists():
        missing.append(gettext("at least one specific objective"))
    if not session.guiding_questions.exists():
        missing.append(gettext("at least one guiding question"))
    if not AgendaItem.objects.filter(session=session).exists():
        missing.append(gettext("at least one agenda item"))
    return missing
