"""Speakers' uploads through their personal link, and downloads that decide before they stream."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from common import uploads
from common.ratelimit import rate_limit
from registrations.tokens import registration_for_token
from sessions_app.outcomes.presentations import files
from sessions_app.outcomes.presentations.forms import SpeakerUploadForm


def _private(response, *, referrer=True):
    """Behind a private link: not indexed. A download also sends no Referer; a page with a form
    keeps the site's same-origin policy, since a browser that sends no Referer sends ``Origin:
    null`` with the POST, which Django's CSRF check refuses."""
    response["X-Robots-Tag"] = "noindex"
    if not referrer:
        response["Referrer-Policy"] = "no-referrer"
    return response


@uploads.accepts_uploads
@require_http_methods(["GET", "POST"])
@cache_control(private=True, no_store=True)
@rate_limit("token", setting="TOKEN_RATE_LIMIT")
def speaker_upload(request, token):
    """A speaker adds files to their agenda item; a refused file changes nothing already saved."""
    link = files.upload_link_for_token(token)
    if request.method == "POST":
        form = SpeakerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            files.add_presentation(
                item=link.item,
                speaker=link.speaker,
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                language=form.cleaned_data["language"],
                through_link=True,
            )
            messages.success(request, _("Thank you: your file is saved. Staff decide when it is shared."))
            return redirect(request.path)
        status = 400
    else:
        form = SpeakerUploadForm(initial={"language": get_language()})
        status = 200
    context = {
        "link": link,
        "item": link.item,
        "session": link.item.session,
        "form": form,
        "presentations": files.item_files_for_speaker(link),
    }
    return _private(render(request, "sessions_app/speaker_upload.html", context, status=status))


@require_GET
def presentation_download(request, pk):
    """Public files once the session ended, everything for staff; 404 for anything else."""
    presentation = files.presentation_for_reader(
        pk=pk, reader_of=lambda session: files.reader_for(user=request.user, session=session)
    )
    public = presentation.visibility == presentation.Visibility.PUBLIC and not request.user.is_authenticated
    return _file(presentation, public=public)


@require_GET
def my_presentation_download(request, token, pk):
    """Through a participant's private link: their session's public and participants-only files."""
    registration = registration_for_token(token)
    presentation = files.presentation_for_reader(
        pk=pk, reader_of=lambda session: files.reader_for(registration=registration, session=session)
    )
    return _private(_file(presentation, public=False), referrer=False)


def _file(presentation, *, public):
    if not presentation.file:
        # A link, not a file: the address is shown on the page; nothing to stream.
        from django.http import Http404

        raise Http404
    return uploads.file_response(
        presentation.file, filename=presentation.filename, kind_code=presentation.file_kind, public=public
    )
