"""Downloads of rendered documents: always a stored file, never a rendering during a request.

Whoever may not see a document gets a 404, the same answer as for a document that does not
exist, so a guessed primary key reveals nothing.
"""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from common import uploads
from common.ratelimit import rate_limit
from registrations.tokens import registration_for_token
from sessions_app.models import Document
from sessions_app.outcomes.certificates import certificate_for_code, initials, normalise_code
from sessions_app.outcomes.documents import documents_for_registration, registration_can_download, user_can_download
from sessions_app.outcomes.presentations import files as presentations


def _document(pk):
    document = Document.objects.select_related("session").filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def _file_response(document, *, private=False):
    """Stream the stored file, from the local disk or the bucket alike (``common.uploads``' one
    download response: 404 when it is gone, the busy page when the store is down).

    Streamed rather than redirected to a signed object URL: the bucket stays private and needs no
    public address of its own (compose keeps MinIO on the internal network), a link to a document is
    always ours and checked on every use (a signed URL would work for anyone holding it until it
    expires, and would land in browser histories and Referer headers), and the headers below hold.
    The cost is a web worker's time per download; PDFs of a few hundred KB leave it within milliseconds.
    """
    public = document.is_public and not private
    return uploads.file_response(document.file, filename=document.filename, kind_code="pdf", public=public)


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
        "presentation_groups": presentations.by_item(
            presentations.presentations_for(
                session=registration.session,
                reader=presentations.reader_for(registration=registration, session=registration.session),
            )
        ),
    }
    response = render(request, "sessions_app/document_list.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _verification_page(request, *, certificate, code, status=200):
    context = {"certificate": certificate, "code": code[:40]}
    if certificate is not None:
        session = certificate.registration.session
        context.update(
            session=session,
            starts_at_local=session.starts_at.astimezone(session.zone),
            initials=certificate.holder_initials or initials(certificate.registration.full_name),
        )
    response = render(request, "sessions_app/certificate_verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


# Codes can be guessed one GET after another: every look-up counts (VERIFY_RATE_LIMIT per client).
verify_rate_limit = rate_limit("verify", setting="VERIFY_RATE_LIMIT", methods=("GET",))


@require_GET
@verify_rate_limit
def verify_certificate(request, code):
    """Anyone may check a certificate's code: initials, session and date if genuine; 404 otherwise."""
    certificate = certificate_for_code(code)
    if certificate is None:
        return _verification_page(request, certificate=None, code=code, status=404)
    if certificate.code != code:
        # "abcd efgh jkmn" typed by hand: the canonical address, so one URL per certificate.
        return HttpResponseRedirect(reverse("outcomes:verify_certificate", kwargs={"code": certificate.code}))
    return _verification_page(request, certificate=certificate, code=code)


@require_GET
@verify_rate_limit
def verify_certificate_form(request):
    code = request.GET.get("code", "").strip()
    if not code:
        return _verification_page(request, certificate=None, code="")
    canonical = normalise_code(code)
    if canonical is None or certificate_for_code(canonical) is None:
        return _verification_page(request, certificate=None, code=code, status=404)
    return HttpResponseRedirect(reverse("outcomes:verify_certificate", kwargs={"code": canonical}))
