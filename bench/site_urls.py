"""The portal's URLs plus the trivial views of the ceiling: mounted only by the benchmarks.

Each trivial view goes through the same middleware as the portal's pages (sessions, locale,
CSRF, authentication, messages, security headers) and does nothing else, so it is the most any
page could do on this server. ``floor_register`` is the least a registration can do in Django.
"""

from auditlog.context import disable_auditlog
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from copolad_wg.urls import urlpatterns as portal
from registrations import consent
from registrations.forms import RegistrationForm
from registrations.models import Delivery, Registration
from registrations.registering import DATA_FIELDS
from sessions_app.selectors import session_by_slug


@require_GET
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def trivial_post(request):
    """Reads the form (the CSRF check already did) and redirects, as a successful form does."""
    return HttpResponseRedirect("/bench/trivial/" if request.POST.get("email") else "/")


@require_POST
def floor_register(request, slug):
    """The floor of bench_registration: the register form validated (the same form, the same kept
    choices) and the registration and its outbox row inserted in one transaction, nothing else. No
    rate limit, no consent record, no audit entry, no e-mail (nobody is woken, and no sender takes
    the row), so what the portal does beyond the floor shows apart."""
    session = session_by_slug(slug)
    form = RegistrationForm(request.POST, session=session, notice=consent.current_notice())
    if not form.is_valid():
        return HttpResponse(status=400)
    fields = {name: form.cleaned_data[name] for name in DATA_FIELDS if form.cleaned_data.get(name) is not None}
    with disable_auditlog(), transaction.atomic():
        registration = Registration.objects.create(session=session, **fields)
        Delivery.objects.create(
            key=f"floor:{registration.pk}",
            kind="registration_confirm",
            to_email=registration.email,
            language=registration.language,
            registration=registration,
            render_params={},
            # Not QUEUED: no sender takes it (the floor measures the insert, not an e-mail).
            status=Delivery.Status.SENDING,
        )
    return HttpResponseRedirect(f"/bench/trivial/?registered={registration.pk}")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-post/", trivial_post),
    path("bench/floor-register/<slug:slug>/", floor_register),
    *portal,
]
