from django import template
from django.utils.translation import get_language_from_path

register = template.Library()


@register.simple_tag(takes_context=True)
def path_without_language(context):
    """The current path and query without the language prefix, for the switcher's ``next``.

    ``set_language`` can only translate a path prefixed with the language active during its own
    request (the cookie's or the browser's), so ``/pt/…`` posted by a Spanish browser came back
    as ``/pt/…``. Without a prefix, LocaleMiddleware redirects to the language just chosen.
    """
    request = context.get("request")
    if request is None:  # pages rendered without a request, such as the CSRF failure page
        return "/"
    full_path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    prefix = f"/{language}/"
    if language and full_path.startswith(prefix):
        return full_path[len(prefix) - 1 :]
    return full_path
