from django import template
from django.utils import translation

from sessions_app.models import Conclusions
from sessions_app.outcomes.conclusions import ONLY_AVAILABLE_IN, conclusions_in
from sessions_app.outcomes.documents import documents_for_registration, documents_for_user
from sessions_app.outcomes.evaluation import answers as evaluation
from sessions_app.outcomes.presentations import files as presentations
from sessions_app.outcomes.roadmap import tracker

register = template.Library()


@register.inclusion_tag("sessions_app/includes/document_links.html", takes_context=True)
def session_documents(context, session, registration=None):
    """The documents of ``session`` the viewer may download: one query whatever their number.

    With ``registration`` (a page reached through the private link), links go through the token.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if registration:
        documents = documents_for_registration(registration=registration)
        reader = presentations.reader_for(registration=registration, session=session)
    else:
        documents = documents_for_user(session=session, user=user) if user is not None else []
        reader = presentations.reader_for(user=user, session=session)
    return {
        "documents": documents,
        "registration": registration,
        "session": session,
        "presentation_groups": presentations.by_item(presentations.presentations_for(session=session, reader=reader)),
        "evaluation": _evaluation_state(registration),
    }


def _evaluation_state(registration):
    """For a private page: "open" (with its link), "answered", or None."""
    if registration is None:
        return None
    questionnaire = evaluation.questionnaire_for(registration.session)
    if not evaluation.may_answer(registration=registration, questionnaire=questionnaire):
        return None
    return "answered" if evaluation.has_answered(registration=registration, questionnaire=questionnaire) else "open"


def _outcomes(context, session):
    """Computed once per page: the banner at the top and the section below say the same thing."""
    cached = getattr(session, "_page_outcomes", None)
    if cached is None:
        cached = session._page_outcomes = _read_outcomes(context, session)
    return cached


@register.inclusion_tag("sessions_app/includes/session_outcomes.html", takes_context=True)
def session_outcomes(context, session):
    """What a held session's page shows first: its public conclusions (in the reader's language when
    written in it), the roadmap actions it agreed and the documents the viewer may download."""
    return _outcomes(context, session)


@register.inclusion_tag("sessions_app/includes/session_outcomes_banner.html", takes_context=True)
def session_outcomes_banner(context, session):
    """The held session's banner: what is below, or that nothing is published yet."""
    return _outcomes(context, session)


def _read_outcomes(context, session):
    conclusions = Conclusions.objects.filter(session=session, is_public=True, published_at__isnull=False).first()
    html, language = conclusions_in(conclusions, language=translation.get_language())
    roadmap = tracker.session_actions(session, agreed=True)
    request = context.get("request")
    user = getattr(request, "user", None)
    documents = documents_for_user(session=session, user=user) if user is not None else []
    reader = presentations.reader_for(user=user, session=session)
    presentation_groups = presentations.by_item(presentations.presentations_for(session=session, reader=reader))
    return {
        "presentation_groups": presentation_groups,
        "session": session,
        "conclusions_html": html,
        "conclusions_language": language if language != translation.get_language() else None,
        "conclusions_note": ONLY_AVAILABLE_IN.get(language) if language != translation.get_language() else "",
        "roadmap": roadmap,
        "documents": documents,
        "anything": bool(html or roadmap or documents or presentation_groups),
    }
