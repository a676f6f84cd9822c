"""Who may read which presentation file, and the two ways files arrive (staff, a speaker's link).

One rule decides every listing and every download: ``may_read``. A public file is public only
once its session has ended; a participants-only file goes to confirmed participants and attendees
of that session through their private link; a staff-only file to staff. Anyone else gets 404.
"""

import hmac
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from agenda.models import AgendaItem
from common import pagecache, uploads
from common.links import absolute_reverse
from registrations.models import Registration
from registrations.outbox.queueing import queue_email
from sessions_app.outcomes.presentations.models import Presentation, UploadLink, hash_token

PUBLIC = "public"
PARTICIPANT = "participant"
STAFF = "staff"
READER_VISIBILITIES = {
    PUBLIC: (Presentation.Visibility.PUBLIC,),
    PARTICIPANT: (Presentation.Visibility.PUBLIC, Presentation.Visibility.PARTICIPANTS),
    STAFF: tuple(Presentation.Visibility.values),
}
UPLOAD_LINK_DAYS = 30


def session_has_ended(session, now=None):
    return session.ends_at <= (now or timezone.now())


def is_participant(registration):
    return registration.status in (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def reader_for(*, user=None, registration=None, session):
    """The widest reader this visitor is for ``session``: staff, one of its participants, or the public."""
    if user is not None and user.is_authenticated and user.is_staff:
        return STAFF
    if registration is not None and registration.session_id == session.pk and is_participant(registration):
        return PARTICIPANT
    return PUBLIC


def may_read(*, presentation, session, reader, now=None):
    if presentation.visibility not in READER_VISIBILITIES[reader]:
        return False
    if reader == PUBLIC:
        return session_has_ended(session, now)
    return True


def presentations_for(*, session, reader, now=None):
    """The files of ``session`` this reader may see, with their item and speaker: one query."""
    if reader == PUBLIC and not session_has_ended(session, now):
        return []
    return list(
        Presentation.objects.filter(item__session=session, visibility__in=READER_VISIBILITIES[reader])
        .select_related("item", "speaker")
        .order_by("item__order", "item_id", "created_at", "pk")
    )


def by_item(presentations):
    """[(item, [presentation, ...]), ...] in agenda order, for templates."""
    groups = {}
    for presentation in presentations:
        groups.setdefault(presentation.item_id, (presentation.item, []))[1].append(presentation)
    return list(groups.values())


def presentation_for_reader(*, pk, reader_of):
    """The presentation ``pk`` if ``reader_of(session)`` may read it; Http404 otherwise."""
    presentation = Presentation.objects.select_related("item__session").filter(pk=pk).first()
    if presentation is None:
        raise Http404
    session = presentation.item.session
    if not may_read(presentation=presentation, session=session, reader=reader_of(session)):
        raise Http404
    return presentation


def add_presentation(
    *, item, uploaded=None, link="", title, language, speaker=None, through_link=False, visibility=None
):
    """Store one file (already checked by the upload rules: ``uploaded.kind``) or link under ``item``."""
    presentation = Presentation(
        item=item,
        speaker=speaker,
        title=title,
        language=language,
        link=link,
        uploaded_through_link=through_link,
        visibility=visibility or Presentation.Visibility.PARTICIPANTS,
    )
    if uploaded is not None:
        kind = getattr(uploaded, "kind", None) or uploads.validate_upload(uploaded)
        presentation.file_kind = kind.code
        presentation.size = uploaded.size
        presentation.file.save(uploads.clean_filename(uploaded.name, kind=kind), uploaded, save=False)
    presentation.save()
    return presentation


def set_visibility(queryset, *, visibility):
    """Change the visibility of many files at once; the public pages that list them are rendered anew."""
    count = queryset.update(visibility=visibility)
    pagecache.bump(pagecache.CONTENT)
    return count


def record_file_facts(presentation):
    """For a file attached in the admin: its kind (by content) and size, before saving."""
    if presentation.file and not getattr(presentation.file, "_committed", True):
        uploaded = presentation.file.file
        presentation.file_kind = uploads.validate_upload(uploaded).code
        presentation.size = uploaded.size


# ── Speakers' upload links ─────────────────────────────────────────────────────────────────────


def upload_link_for_token(token):
    """The usable link behind ``token``, with its item, session and speaker; Http404 otherwise
    (unknown, expired, revoked): the same answer, so a page says nothing about a guessed token."""
    if not token or len(token) > 64:
        raise Http404
    digest = hash_token(token)
    link = UploadLink.objects.select_related("item__session", "speaker").filter(token_hash=digest).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest) or not link.is_usable():
        raise Http404
    return link


@transaction.atomic
def send_upload_link(*, item, speaker, email, language, created_by=None, days=UPLOAD_LINK_DAYS):
    """Create a speaker's link for ``item`` and queue the e-mail that carries it (sent after commit).

    Returns the UploadLink; the token itself lives only in the e-mail."""
    token = UploadLink.new_token()
    link = UploadLink.objects.create(
        item=item,
        speaker=speaker,
        email=email,
        language=language,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=created_by,
    )
    session = item.session
    url = absolute_reverse("outcomes:speaker_upload", kwargs={"token": token}, language=language)
    queue_email(
        key=f"upload-link:{link.pk}",
        kind="upload_link",
        to_email=email,
        language=language,
        template="speaker_upload_link",
        context={"speaker": speaker, "item": item, "session": session, "url": url, "expires_at": link.expires_at},
    )
    return link


def revoke_upload_links(queryset):
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def item_files_for_speaker(link):
    return list(Presentation.objects.filter(item=link.item).order_by("created_at", "pk"))


def staff_item_choices(session):
    return AgendaItem.objects.filter(session=session).order_by("order", "pk")


def download_url(presentation, *, registration=None):
    if registration is not None:
        return reverse("outcomes:my_presentation_download", kwargs={"token": registration.token, "pk": presentation.pk})
    return reverse("outcomes:presentation_download", kwargs={"pk": presentation.pk})
