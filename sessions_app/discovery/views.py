from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from common.ratelimit import client_ip, hit, too_many_requests

from .search import QueryError, run_search
from .sources import SOURCES, source_for

PER_PAGE = 20


def _page_number(value):
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


@require_GET
def search(request):
    """The search page: results grouped by kind; one kind's results page by page with ``kind``."""
    limit, period = settings.SEARCH_RATE_LIMIT
    if not hit(scope="search", key=client_ip(request), limit=limit, period=period):
        return too_many_requests(request, retry_after=period)
    raw = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    source = source_for(kind)
    page = _page_number(request.GET.get("page"))
    context = {"query": raw[:300], "kind": source.kind if source else "", "sources": SOURCES, "page": page}
    if "q" in request.GET:
        try:
            words, groups = run_search(
                raw,
                language=translation.get_language(),
                sources=SOURCES,
                kind=source.kind if source else None,
                page=page,
                per_page=PER_PAGE,
            )
        except QueryError as error:
            context["error"] = error.message
            context["error_code"] = error.code
        else:
            context["groups"] = groups
            context["total"] = sum(group.total for group in groups)
            if source and groups:
                context["has_next"] = groups[0].total > page * PER_PAGE
                context["last_page"] = max(1, -(-groups[0].total // PER_PAGE))
    response = render(request, "discovery/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
