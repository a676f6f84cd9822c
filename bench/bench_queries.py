"""The public home page and session page: queries and time per request, the real views versus a
naive rendering that walks the ORM lazily.

Not a test: it prints a table. It builds its data in a temporary SQLite database: the demo
(``load_demo``: sessions 2 and 3), then a big session added to the demo's working group, with 40
agenda items (8 blocks of 4, two speakers each) and 300 registrations.

- ours: the project's views (``sessions_app.views``), whose selectors own their select_related /
  prefetch_related;
- baseline: the same templates rendered by views written here that fetch the plain objects and let
  the templates follow every relation as they go (one query per agenda item, role, group...).

Both are requested through the Django test client on the same URLs' worth of data, with a session
cookie so that the page cache (which serves anonymous visitors) never answers, and with the template
fragments' cache turned off: this is the cost of rendering a page afresh. Queries are counted with
CaptureQueriesContext on one request, time is the median over REQUESTS requests. bench_pages.py
measures the pages as anonymous visitors get them, from the cache.
"""

import os
import statistics
import time
from datetime import timedelta

import bootstrap

run = bootstrap.start(database="sqlite")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from copolad_wg.urls import urlpatterns as project_urlpatterns  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))


def naive_home(request):
    """The home page with the groups and sessions fetched one relation at a time."""
    from sessions_app.models import Session, WorkingGroup

    now = timezone.now()
    groups = list(WorkingGroup.objects.exclude(sessions=None).distinct())
    for group in groups:
        public = list(group.sessions.exclude(status=Session.Status.DRAFT).order_by("starts_at", "pk"))
        group.upcoming = [session for session in public if session.ends_at > now]
        group.past = [session for session in reversed(public) if session.ends_at <= now]
    return render(request, "sessions_app/session_list.html", {"groups": groups})


def naive_session_detail(request, slug):
    """The session page with the session alone fetched; the template and the schedule do the rest."""
    from agenda.timing import compute_schedule
    from common.timezones import session_local_starts
    from sessions_app.models import Session
    from sessions_app.selectors import methodology_by_moment, schedule_speakers

    session = Session.objects.exclude(status=Session.Status.DRAFT).get(slug=slug)
    schedule = compute_schedule(session, list(session.agenda_items.all()))
    methodology = methodology_by_moment(session)
    context = {
        "session": session,
        "full_session": session,  # the page reads its content from this name (sessions_app.views)
        "schedule": schedule,
        "speakers": schedule_speakers(schedule),
        "methodology": methodology,
        "has_methodology": any(steps for _moment, _label, steps in methodology),
        "local_starts": session_local_starts(session),
        "is_preview": False,
        "fragment_key": "naive",
    }
    return render(request, "sessions_app/session_detail.html", context)


# The project's URLs plus the baseline's, so both are served by the same middleware and templates.
urlpatterns = [
    *project_urlpatterns,
    path("naive/", naive_home),
    path("naive/<slug:slug>/", naive_session_detail),
]


def build_big_session():
    """A public session open for registration: 40 agenda items, 80 roles, 300 registrations."""
    from agenda.models import AgendaItem
    from registrations.models import Registration
    from tests.factories import (
        AgendaItemFactory,
        AgendaRoleFactory,
        GuidingQuestionFactory,
        MethodologyStepFactory,
        ObjectiveFactory,
        SessionFactory,
        SpeakerFactory,
    )

    session = SessionFactory(
        slug="big-session",
        title="Forty items",
        capacity=400,
        starts_at=(timezone.now() + timedelta(days=30)).replace(microsecond=0),
        duration_minutes=240,
    )
    for order in range(5):
        ObjectiveFactory(session=session, order=order)
        GuidingQuestionFactory(session=session, order=order)
        MethodologyStepFactory(session=session, order=order)
    speakers = [SpeakerFactory(position="Director") for _ in range(20)]
    order = 0
    for block in range(8):
        parent = AgendaItemFactory(session=session, order=order, kind=AgendaItem.Kind.ROUND_TABLE, duration_minutes=28)
        items = [parent]
        for _child in range(4):
            order += 1
            items.append(AgendaItemFactory(session=session, parent=parent, order=order, duration_minutes=7))
        order += 1
        for index, item in enumerate(items):
            for role_order in range(2):
                speaker = speakers[(block * 5 + index + role_order * 7) % len(speakers)]
                AgendaRoleFactory(item=item, speaker=speaker, order=role_order)
    statuses = [Registration.Status.CONFIRMED] * 5 + [Registration.Status.PENDING, Registration.Status.CANCELLED]
    Registration.objects.bulk_create(
        Registration(
            session=session,
            email=f"person{number}@example.org",
            full_name=f"Persona {number}",
            country="UY",
            language="es",
            time_zone="America/Montevideo",
            status=statuses[number % len(statuses)],
            consent_text_version="2026-1",
            consent_given_at=timezone.now(),
        )
        for number in range(300)
    )
    return session


def measure(client, url):
    """(queries of one request, median milliseconds over REQUESTS requests)."""
    response = client.get(url)  # warm up: templates, translations
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Counted now: the captured list is read from connection.queries, which the next request empties.
    query_count = len(queries)
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    return query_count, statistics.median(samples) * 1000, len(response.content)


def detail_url(slug):
    with translation.override("en"):
        return reverse("sessions_app:detail", kwargs={"slug": slug})


def compare(client, rows, data, page, ours, naive):
    for name, url in (("ours", ours), ("baseline", naive)):
        queries, milliseconds, size = measure(client, url)
        rows.append((data, page, name, queries, milliseconds, size))


def main():
    from agenda.models import AgendaItem
    from registrations.models import Registration

    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
    client = Client()
    # A session cookie: the page cache never serves such a visitor, so every request renders.
    client.cookies["sessionid"] = "bench-render-every-time"
    rows = []
    demo = [("session-2-inclusive-mechanisms", "session 2 (held)"), ("session-3-alternatives-to-imprisonment",
                                                                      "session 3 (open)")]  # fmt: skip
    # Template fragments are kept in each process's memory (settings: "template_fragments"); a dummy
    # cache there makes every request render them, which is what this table compares.
    from django.conf import settings

    no_fragments = {**settings.CACHES, "template_fragments": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(ROOT_URLCONF=__name__, CACHES=no_fragments):
        compare(client, rows, "demo", "home", "/en/", "/naive/")
        for slug, label in demo:
            compare(client, rows, "demo", label, detail_url(slug), f"/naive/{slug}/")
        big = build_big_session()
        compare(client, rows, "demo + big", "home", "/en/", "/naive/")
        compare(client, rows, "demo + big", "big session", detail_url(big.slug), f"/naive/{big.slug}/")

    items = AgendaItem.objects.filter(session=big).count()
    registrations = Registration.objects.filter(session=big).count()
    print(f"GET through the test client, {REQUESTS} requests each; big session: {items} agenda items, "
          f"{registrations} registrations")  # fmt: skip
    print(f"{'data':<11} {'page':<17} {'view':<9} {'queries':>8} {'median ms':>10} {'KiB':>6}")
    for data, page, name, queries, milliseconds, size in rows:
        print(f"{data:<11} {page:<17} {name:<9} {queries:>8} {milliseconds:>10.1f} {size / 1024:>6.0f}")


if __name__ == "__main__":
    main()
