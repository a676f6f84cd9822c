"""Public pages through gunicorn against the ceiling: a trivial view in the same server, same run.

Not a test: it prints a table. PostgreSQL database of its own with the demo (``load_demo``:
session 2 held, session 3 open for registration), gunicorn ``-w 2`` with the production settings
(Redis as cache), and a load generator in this process (BENCH_CONCURRENCY connections at a time,
BENCH_SECONDS per row). Each row alternates slices of the page and of the trivial view, so that
load from elsewhere on the machine weighs on both alike.

Rows "rendered" send a session cookie, which the page cache never serves: they show what a page
costs when it is rendered (a signed-in visitor, or the first visitor after a change).
"""

import os

import bootstrap

run = bootstrap.start(database="postgres")

from django.core.management import call_command  # noqa: E402

from sessions_app.models import Session  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))


def main():
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - its login is not for the table
    held = Session.objects.get(number=2).slug
    open_ = Session.objects.get(status=Session.Status.REGISTRATION_OPEN).slug
    server = bootstrap.Gunicorn(run)
    cookie = {"Cookie": "sessionid=bench-visitor-with-a-session"}
    pages = [
        ("home", "/en/", None),
        ("session 2 (held)", f"/en/sessions/{held}/", None),
        ("session 3 (open for registration)", f"/es/sessions/{open_}/", None),
        ("session 3 .ics", f"/es/sessions/{open_}/calendar.ics", None),
        ("session 3, rendered (session cookie)", f"/es/sessions/{open_}/", cookie),
        ("register page (form, CSRF: never cached)", f"/es/registrations/sessions/{open_}/register/", None),
    ]
    trivial = [bootstrap.request_bytes("GET", "/bench/trivial/")]
    for _label, path, headers in pages:
        status, _head, _body = bootstrap.get(server.port, path, headers)
        assert status == 200, (path, status)
        bootstrap.hammer(server.port, [bootstrap.request_bytes("GET", path, headers=headers)] * 20, concurrency=4)
    bootstrap.hammer(server.port, trivial * 200, concurrency=CONCURRENCY)  # warm-up

    rows = []
    for label, path, headers in pages:
        ours = [bootstrap.request_bytes("GET", path, headers=headers)]
        rows.append((label, *bootstrap.compare(server.port, ours, trivial, seconds=SECONDS, concurrency=CONCURRENCY)))

    print(
        f"gunicorn -w 2, PostgreSQL, Redis cache; {CONCURRENCY} connections; per row {SECONDS:g} s of ours and "
        f"{SECONDS:g} s of the ceiling (a trivial view in the same server), in alternating slices"
    )
    print(bootstrap.RATIO_HEADER)
    for label, ours, ceiling, statuses in rows:
        print(bootstrap.ratio_line(label, ours, ceiling, "req/s", f"  statuses {statuses}"))


if __name__ == "__main__":
    main()
