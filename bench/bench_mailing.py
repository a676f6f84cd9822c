"""An invitation mailing through a real worker to an SMTP sink, against raw smtplib to the same sink.

Not a test: it prints a table. PostgreSQL database of its own, Redis broker, the bulk worker as the
README's production section runs it (``-Q bulk``, BENCH_WORKER_CONCURRENCY processes, default 2) and an
aiosmtpd sink in this process that only counts and keeps the bytes.

- ours: an invitation with its .ics to BENCH_RECIPIENTS (2,000) pasted addresses in es/pt/en, from
  ``queue_mailing`` to the last message accepted by the sink and every row marked sent (building,
  rendering, each batch's send locks and one SMTP connection, one committed UPDATE per message);
- ceiling: the very bytes the sink received, sent again with ``smtplib`` over one connection.
Every recipient must have exactly one message.
"""

import os
import smtplib
import time
from collections import Counter

import bootstrap

run = bootstrap.start(database="postgres")

from copolad_wg.celery import app  # noqa: E402
from registrations.campaigns import building, rendering  # noqa: E402
from registrations.models import Delivery, Mailing  # noqa: E402
from tests.factories import SessionFactory  # noqa: E402

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2"))
# Enough batches (of 50) that both worker processes run a build and sends before ours.
WARM_UP = 200
LANGUAGES = ["es", "pt", "en"]


def point_celery_at_the_broker():
    from django.conf import settings
    from kombu import pools

    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": bootstrap.PREFIX}
    app.conf.update(broker_url=bootstrap.REDIS_URL, broker_transport_options=options, task_always_eager=False)
    app._pool = None
    pools.reset()


def invitation(session, addresses):
    mailing = Mailing(session=session, kind=Mailing.Kind.INVITATION, audience=Mailing.Audience.ADDRESSES)
    rendering.fill_defaults(mailing=mailing)
    mailing.attach_ics = True
    mailing.addresses = "\n".join(f"{address}, {LANGUAGES[i % 3]}" for i, address in enumerate(addresses))
    mailing.save()
    return mailing


def main():
    sink = bootstrap.Sink()
    run.children.append(sink)
    session = SessionFactory(title="Inclusive mechanisms to reduce the inequality gap")
    mailing = invitation(session, [f"person{i}@example.org" for i in range(RECIPIENTS)])
    bootstrap.Worker(
        run, queues="bulk", concurrency=CONCURRENCY, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port),
        OUTBOX_BATCH_SIZE=os.environ.get("OUTBOX_BATCH_SIZE", "50"),
    )  # fmt: skip
    point_celery_at_the_broker()

    # A worker that has run before, as in production: its processes have loaded the URLs, the
    # templates and their database connection (a first task pays a few tenths of a second for it).
    warm_up = invitation(session, [f"warm{i}@example.org" for i in range(WARM_UP)])
    building.queue_mailing(mailing=warm_up)
    bootstrap.wait_for(lambda: sink.count() >= WARM_UP, timeout=120, what="the warm-up mailing")
    bootstrap.wait_for(lambda: not warm_up.deliveries.exclude(status=Delivery.Status.SENT).exists(),
                       timeout=60, what="the warm-up rows sent")  # fmt: skip
    sink.reset()

    started = time.perf_counter()
    building.queue_mailing(mailing=mailing)
    # Polled every 10 ms: the end of ours is known to that, as the ceiling's end is to the clock.
    bootstrap.wait_for(lambda: sink.count() >= RECIPIENTS, timeout=600, what="every message at the sink", interval=0.01)
    bootstrap.wait_for(
        lambda: not mailing.deliveries.exclude(status=Delivery.Status.SENT).exists(),
        timeout=60,
        what="rows sent",
        interval=0.01,
    )
    ours_seconds = time.perf_counter() - started
    received = list(sink.handler.received)
    per_address = Counter(address for recipients, _content in received for address in recipients)
    sizes = sorted(len(content) for _recipients, content in received)

    sink.reset()
    sender = smtplib.SMTP("127.0.0.1", sink.port, timeout=30)
    started = time.perf_counter()
    for recipients, content in received:
        sender.sendmail("noreply@copolad.local", recipients, content)
    sender.quit()
    ceiling_seconds = time.perf_counter() - started
    assert sink.count() == len(received)

    ours, ceiling = RECIPIENTS / ours_seconds, len(received) / ceiling_seconds
    print(
        f"invitation with .ics to {RECIPIENTS} addresses (es/pt/en); worker -Q bulk -c {CONCURRENCY}; "
        f"messages of {sizes[0] / 1024:.1f}–{sizes[-1] / 1024:.1f} KiB"
    )
    print(bootstrap.RATIO_HEADER)
    print(bootstrap.ratio_line("mailing: queue_mailing → last message sent", ours, ceiling, "msg/s",
                               f"  ({ours_seconds:.1f} s vs {ceiling_seconds:.1f} s)"))  # fmt: skip
    once = sum(1 for count in per_address.values() if count == 1)
    print(
        f"recipients with exactly one message: {once} of {RECIPIENTS}; more than one: "
        f"{sum(1 for count in per_address.values() if count > 1)}; rows sent: "
        f"{mailing.deliveries.filter(status=Delivery.Status.SENT).count()}"
    )


if __name__ == "__main__":
    main()
