"""The portal's URLs plus the trivial views of the ceiling: mounted only by the benchmarks.

Each trivial view goes through the same middleware as the portal's pages (sessions, locale,
CSRF, authentication, messages, security headers) and does nothing else, so it is the most any
page could do on this server.
"""

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from copolad_wg.urls import urlpatterns as portal


@require_GET
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def trivial_post(request):
    """Reads the form (the CSRF check already did) and redirects, as a successful form does."""
    return HttpResponseRedirect("/bench/trivial/" if request.POST.get("email") else "/")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-post/", trivial_post),
    *portal,
]
