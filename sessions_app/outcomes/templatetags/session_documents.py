from django import template

from sessions_app.outcomes.documents import documents_for_registration, documents_for_user

register = template.Library()


@register.inclusion_tag("sessions_app/includes/document_links.html", takes_context=True)
def session_documents(context, session, registration=None):
    """The documents of ``session`` the viewer may download: one query whatever their number.

    With ``registration`` (a page reached through the private link), links go through the token.
    """
    if registration:
        documents = documents_for_registration(registration=registration)
    else:
        request = context.get("request")
        user = getattr(request, "user", None)
        documents = documents_for_user(session=session, user=user) if user is not None else []
    return {"documents": documents, "registration": registration, "session": session}
