"""The read-only JSON API of public content (django-ninja), version 1 at ``/api/v1/``.

- The OpenAPI document is at ``/api/v1/openapi.json`` (a stable URL; a version 2 would live beside it).
- Lists are paginated (``page``, ``page_size`` up to 100) and answer ``{"items": [...], "count": n}``.
- ``lang`` (en, es, pt) chooses the language of translated texts; a blank one falls back as on the pages.
- Answers are served from the page cache and invalidated by the same rules as the public pages (any
  write to public content); browsers revalidate with the ETag.
- Each client address may make ``API_THROTTLE_RATE`` requests (default 120 a minute); beyond, 429.
- Nothing personal beyond what the public pages show: speakers' names, positions and organisations,
  never an e-mail address; no registrant, focal point or participants-only document.
"""

from datetime import date
from functools import wraps
from typing import Literal

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import translation
from ninja import NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.pagination import PageNumberPagination, paginate
from ninja.throttling import AnonRateThrottle

from agenda.models import AgendaItem, AgendaRole
from common import pagecache
from common.links import absolute_url
from common.ratelimit import client_ip
from sessions_app.models import Document, WorkingGroup
from sessions_app.outcomes.practices.catalogue import published as published_practices
from sessions_app.outcomes.roadmap import tracker
from sessions_app.selectors import public_sessions

Language = Literal["en", "es", "pt"]


class ClientThrottle(AnonRateThrottle):
    """The client as the rate limits of the forms count it: behind TRUSTED_PROXY_COUNT proxies of
    ours, the address they saw; a header the client sent itself is never believed."""

    def get_ident(self, request):
        return client_ip(request)


def _throttle():
    return ClientThrottle(settings.API_THROTTLE_RATE)


def public_endpoint(run):
    """Throttle every request (cached answers too), then serve from the page cache per language."""
    cached = pagecache.cached_page(depends=(pagecache.CONTENT,), query=True)(run)

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        throttle = _throttle()
        if not throttle.allow_request(request):
            response = JsonResponse({"detail": "Too many requests."}, status=429)
            response["Retry-After"] = str(int(throttle.wait() or 60))
            return response
        language = request.GET.get("lang")
        language = language if language in ("en", "es", "pt") else settings.LANGUAGE_CODE
        with translation.override(language):
            response = cached(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper


api = NinjaAPI(
    title="COPOLAD III Working Group 3.5: public data",
    version="1",
    description=(
        "Read-only public content of the working group: sessions with their agenda, speakers and public "
        "documents, the roadmap, and good practices. Times carry their UTC offset."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive page loads scripts the strict CSP refuses; the JSON is the contract
)


class GroupOut(Schema):
    slug: str
    programme: str
    outcome_code: str
    name: str
    roadmap_url: str


class SessionOut(Schema):
    slug: str
    number: int
    title: str
    group: str
    status: str
    format: str
    starts_at: str
    ends_at: str
    time_zone: str
    languages: str
    url: str
    calendar_url: str


class SpeakerOut(Schema):
    name: str
    position: str
    organisation: str
    country: str


class AgendaItemOut(Schema):
    id: int
    parent_id: int | None
    kind: str
    title: str
    description: str
    duration_minutes: int
    country: str
    speakers: list[SpeakerOut]


class DocumentOut(Schema):
    kind: str
    language: str
    version: int
    size: int
    sha256: str
    url: str


class SessionDetailOut(SessionOut):
    context: str
    main_outcome: str
    objectives: list[str]
    guiding_questions: list[str]
    agenda: list[AgendaItemOut]
    documents: list[DocumentOut]


class UpdateOut(Schema):
    date: date
    recorded_at: str
    reported_by: str
    country: str
    from_status: str
    to_status: str
    note: str
    note_language: str
    link: str


class ActionOut(Schema):
    id: int
    title: str
    description: str
    owner_kind: str
    owner: str
    country: str
    status: str
    due_date: date | None
    period: str
    agreed_session: int | None
    follow_up_session: int | None
    url: str
    updates: list[UpdateOut]


def _session_out(session):
    zone = session.zone
    return {
        "slug": session.slug,
        "number": session.number,
        "title": session.title,
        "group": session.group.slug,
        "status": session.status,
        "format": session.format,
        "starts_at": session.starts_at.astimezone(zone).isoformat(),
        "ends_at": session.ends_at.astimezone(zone).isoformat(),
        "time_zone": session.time_zone,
        "languages": session.languages,
        "url": absolute_url(session.get_absolute_url()),
        "calendar_url": absolute_url(reverse("sessions_app:calendar", kwargs={"slug": session.slug})),
    }


def _speaker_out(speaker):
    return {
        "name": speaker.name,
        "position": speaker.position,
        "organisation": speaker.organisation,
        "country": str(speaker.country.code or ""),
    }


def _action_out(item):
    return {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "owner_kind": item.owner_kind,
        "owner": str(item.owner_display),
        "country": item.country_code,
        "status": item.shown_status,
        "due_date": item.due_date,
        "period": item.period,
        "agreed_session": item.agreed_session.number if item.agreed_session else None,
        "follow_up_session": item.follow_up_session.number if item.follow_up_session else None,
        "url": absolute_url(reverse("outcomes:roadmap", kwargs={"slug": item.group.slug}) + f"#action-{item.pk}"),
        "updates": [
            {
                "date": update.note_date,
                "recorded_at": update.created_at.isoformat(),
                "reported_by": update.author_role,
                "country": str(update.author_country.code or ""),
                "from_status": update.from_status,
                "to_status": update.to_status,
                "note": update.note,
                "note_language": update.language,
                "link": update.link,
            }
            for update in item.timeline
        ],
    }


@api.get("/groups", response=list[GroupOut], tags=["roadmap"])
@paginate(PageNumberPagination, page_size=20)
@decorate_view(public_endpoint)
def list_groups(request, lang: Language = "en"):
    groups = WorkingGroup.objects.filter(sessions__in=public_sessions()).distinct().order_by("pk")
    return [
        {
            "slug": group.slug,
            "programme": group.programme,
            "outcome_code": group.outcome_code,
            "name": group.name,
            "roadmap_url": absolute_url(reverse("outcomes:roadmap", kwargs={"slug": group.slug})),
        }
        for group in groups
    ]


@api.get("/sessions", response=list[SessionOut], tags=["sessions"])
@paginate(PageNumberPagination, page_size=20)
@decorate_view(public_endpoint)
def list_sessions(request, lang: Language = "en"):
    return [_session_out(session) for session in public_sessions().select_related("group").order_by("starts_at", "pk")]


@api.get("/sessions/{slug}", response=SessionDetailOut, tags=["sessions"])
@decorate_view(public_endpoint)
def session_detail(request, slug: str, lang: Language = "en"):
    session = (
        public_sessions()
        .select_related("group")
        .prefetch_related("objectives", "guiding_questions")
        .filter(slug=slug)
        .first()
    )
    if session is None:
        raise Http404
    roles = AgendaRole.objects.select_related("speaker").order_by("order", "pk")
    items = AgendaItem.objects.filter(session=session).prefetch_related(Prefetch("roles", queryset=roles))
    documents = Document.objects.filter(session=session, is_public=True, registration__isnull=True).order_by(
        "kind", "language", "-version"
    )
    latest = {}
    for document in documents:
        latest.setdefault((document.kind, document.language), document)
    return {
        **_session_out(session),
        "context": session.context,
        "main_outcome": session.main_outcome,
        "objectives": [objective.text for objective in session.objectives.all()],
        "guiding_questions": [question.text for question in session.guiding_questions.all()],
        "agenda": [
            {
                "id": item.pk,
                "parent_id": item.parent_id,
                "kind": item.kind,
                "title": item.title,
                "description": item.description,
                "duration_minutes": item.duration_minutes,
                "country": str(item.country.code or ""),
                "speakers": [_speaker_out(role.speaker) for role in item.roles.all()],
            }
            for item in items.order_by("order", "pk")
        ],
        "documents": [
            {
                "kind": document.kind,
                "language": document.language,
                "version": document.version,
                "size": document.size,
                "sha256": document.sha256,
                "url": absolute_url(reverse("outcomes:document_download", kwargs={"pk": document.pk})),
            }
            for document in latest.values()
        ],
    }


class RoadmapFilters(Schema):
    country: str = ""
    status: Literal["", "overdue", "planned", "in_progress", "done"] = ""


@api.get("/groups/{slug}/roadmap", response=list[ActionOut], tags=["roadmap"])
@paginate(PageNumberPagination, page_size=50)
@decorate_view(public_endpoint)
def group_roadmap(request, slug: str, filters: Query[RoadmapFilters], lang: Language = "en"):
    group = WorkingGroup.objects.filter(slug=slug).first()
    if group is None:
        raise Http404
    roadmap = tracker.group_roadmap(group, country=filters.country[:2], status=filters.status)
    return [_action_out(item) for item in roadmap.items]


class PracticeOut(Schema):
    id: int
    title: str
    summary: str
    country: str
    region: str
    stage: str
    practice_type: str
    evaluation: str
    themes: list[str]
    populations: list[str]
    original_language: str
    session: int | None
    published_at: str | None
    url: str


@api.get("/practices", response=list[PracticeOut], tags=["practices"])
@paginate(PageNumberPagination, page_size=20)
@decorate_view(public_endpoint)
def list_practices(request, lang: Language = "en"):
    practices = (
        published_practices()
        .select_related("session")
        .prefetch_related("themes", "populations")
        .order_by("-published_at", "pk")
    )
    return [
        {
            "id": practice.pk,
            "title": practice.title,
            "summary": practice.summary,
            "country": str(practice.country.code or ""),
            "region": practice.region,
            "stage": practice.stage,
            "practice_type": practice.practice_type,
            "evaluation": practice.evaluation,
            "themes": [theme.slug for theme in practice.themes.all()],
            "populations": [population.slug for population in practice.populations.all()],
            "original_language": practice.original_language,
            "session": practice.session.number if practice.session else None,
            "published_at": practice.published_at.isoformat() if practice.published_at else None,
            "url": absolute_url(practice.get_absolute_url()),
        }
        for practice in practices
    ]
