"""Downloads of rendered documents: always a stored file, never a rendering during a request.

Whoever may not see a document gets a 404, the same answer as for a document that does not
exist, so a guessed primary key reveals nothing.
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from registrations.tokens import registration_for_token

from ..models import Document
from .documents import documents_for_registration, registration_can_download, user_can_download


def _document(pk):
    document = Document.objects.select_related("session").filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def _file_response(document, *, private=False):
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.filename, content_type="application/pdf")
    public = document.is_public and not private
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def document_download(request, pk):
    """Public documents for everyone; the others for focal points and staff; else 404."""
    document = _document(pk)
    if not user_can_download(user=request.user, document=document):
        raise Http404
    return _file_response(document)


@require_GET
def my_document_download(request, token, pk):
    """A registrant's download through their private link: their session's documents, their certificate."""
    registration = registration_for_token(token)
    document = _document(pk)
    if not registration_can_download(registration=registration, document=document):
        raise Http404
    # Behind a private link: no shared cache keeps a copy under the token's address.
    return _file_response(document, private=True)


@require_GET
@cache_control(private=True, no_store=True)
def my_documents(request, token):
    registration = registration_for_token(token)
    context = {
        "registration": registration,
        "session": registration.session,
        "documents": documents_for_registration(registration=registration),
    }
    response = render(request, "sessions_app/document_list.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
