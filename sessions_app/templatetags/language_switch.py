from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

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
        url = translate_url(path, code) if path else None
        if not url or (url == path and code != current):
            url = f"/{code}/"
        links.append(
            {"code": code, "name": get_language_info(code)["name_local"], "url": url, "current": code == current}
        )
    return links
