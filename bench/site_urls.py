"""The portal's URLs plus the trivial views of the ceiling: mounted only by the benchmarks.

Each trivial view goes through the same middleware as the portal's pages (sessions, locale,
CSRF, authentication, messages, security headers) and does nothing else, so it is the most any
page could do on this server. ``floor_register`` is the least a registration can do in Django,
``floor_confirm`` the least a confirmation can do.
"""

import hmac

from auditlog.context import disable_auditlog
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from copolad_wg.urls import urlpatterns as portal
from registrations import consent
from registrations.forms import RegistrationForm
from registrations.link_keys import NONCE_LENGTH, keys, mac
from registrations.models import Delivery, Registration
from registrations.registering import DATA_FIELDS
from sessions_app.models import Session
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


@require_POST
def floor_confirm(request, token):
    """The floor of bench_registration's confirm: the registration found by its private link's key
    (its nonce's index, its MAC checked), the seat decided under the session's row lock (confirmed
    while fewer than the capacity hold one, else waitlisted) and the row updated, in one transaction;
    nothing else. No rate limit, no consent or suppression check, no audit entry, no e-mail, no
    waiting list to fill."""
    now = timezone.now()
    with disable_auditlog(), transaction.atomic():
        # The key's nonce by its index and the key's MAC checked, as the private link's lookup does.
        nonce = token[:NONCE_LENGTH]
        registration = Registration.objects.filter(link_nonce=nonce).only("pk", "session_id").first()
        if registration is None or not hmac.compare_digest(mac(nonce, keys()[0]), token[NONCE_LENGTH:]):
            return HttpResponse(status=404)
        session = Session.objects.select_for_update().only("pk", "capacity").get(pk=registration.session_id)
        taken = Registration.objects.filter(session_id=session.pk, status=Registration.Status.CONFIRMED).count()
        if taken < session.capacity:
            fields = {"status": Registration.Status.CONFIRMED, "confirmed_at": now}
        else:
            fields = {"status": Registration.Status.WAITLISTED, "waitlisted_at": now}
        Registration.objects.filter(pk=registration.pk).update(updated_at=now, **fields)
    return HttpResponseRedirect(f"/bench/trivial/?confirmed={registration.pk}")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-post/", trivial_post),
    path("bench/floor-register/<slug:slug>/", floor_register),
    path("bench/floor-confirm/<slug:token>/", floor_confirm),
    *portal,
]
