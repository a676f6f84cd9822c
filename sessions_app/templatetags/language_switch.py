from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, get_language_info, override

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """The current page in every language: [{"code", "name", "url", "current"}].

    Plain links, no form and no CSRF token, so the page around them is the same for every visitor
    and can be cached whole. The query string is left out: cached pages have none. A path that
    does not resolve (an error page), or a page rendered without a request, links to the home
    page in each language.
    """
    request = context.get("request")
    path = request.path if request is not None else None
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        url = _in_language(request, code) if path else None
        if not url or (url == path and code != current):
            url = f"/{code}/"
        links.append(
            {"code": code, "name": get_language_info(code)["name_local"], "url": url, "current": code == current}
        )
    return links


def _in_language(request, code):
    """``request``'s page in the language ``code``, as ``translate_url`` writes it, from the match
    Django made when it routed the request: resolving the path again for each language was a tenth
    of rendering a session page (bench/README.md)."""
    match = request.resolver_match
    if match is None:
        return translate_url(request.path, code)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    with override(code):
        try:
            return reverse(name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return request.path
