"""The conclusions PDF of the demo session: through the task versus WeasyPrint directly.

Not a test: it prints a small table. It builds its data in a temporary SQLite database (the
demo from ``load_demo`` when that command exists, otherwise a session like the concept note's)
and a temporary MEDIA_ROOT, so it touches nothing of yours.
"""

import io
import os
import statistics
import time

import bootstrap

run = bootstrap.start(database="sqlite")

from django.core.management import call_command  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def demo_session():
    from sessions_app.models import Conclusions, Session
    from sessions_app.outcomes.conclusions import write_conclusions

    try:
        call_command("load_demo", verbosity=0, stdout=io.StringIO())  # its staff login is not for the table
        # Session 2 is the concept note's; any other demo session will do.
        session = Session.objects.filter(number=2).first() or Session.objects.order_by("starts_at").last()
    except Exception as exc:  # noqa: BLE001 - no demo command yet: build a comparable session
        print(f"(load_demo unavailable: {type(exc).__name__}; using a built session)")
        session = None
    if session is None:
        from tests.sessions_app.after_session_data import build_held_session

        session, _attendee, _registrant = build_held_session()
    if not Conclusions.objects.filter(session=session).exists():
        paragraph = "<p>El grupo acordó mapear alternativas a la prisión y programas de inclusión sociolaboral.</p>"
        write_conclusions(session=session, bodies={"en": paragraph * 40, "es": paragraph * 40, "pt": paragraph * 40})
    return session


def timed(function, rounds=ROUNDS):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def main():
    from sessions_app.models import Document
    from sessions_app.outcomes import pdf
    from sessions_app.outcomes.tasks import render_documents_task

    session = demo_session()

    def through_task():
        Document.objects.filter(session=session, kind=Document.Kind.CONCLUSIONS, language="es").delete()
        # The task renders again only this PDF (HTML, hash, PDF, checksum, storage, row) and
        # hashes the other eight documents and the certificates to find them unchanged.
        render_documents_task(session.pk)

    html = pdf.document_html(kind=Document.Kind.CONCLUSIONS, session=session, language="es")

    def weasyprint_direct():
        import weasyprint

        weasyprint.HTML(string=html, base_url=pdf.PDF_BASE_URL, url_fetcher=pdf.url_fetcher_class()()).write_pdf(
            pdf_variant="pdf/ua-1"
        )

    def unchanged_rerun():
        render_documents_task(session.pk)

    render_documents_task(session.pk)  # warm up: fonts, templates, first versions
    weasyprint_direct()
    # Alternating rounds, so that load from elsewhere on the machine weighs on both alike.
    ours, ceiling = [], []
    for _ in range(ROUNDS):
        ours += timed(through_task, rounds=1)
        ceiling += timed(weasyprint_direct, rounds=1)
    unchanged = timed(unchanged_rerun)
    print(f"session: {session}  rounds: {ROUNDS}  html: {len(html):,} chars")
    print(f"{'what':<44} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, samples in (
        ("ours: render_documents task (1 PDF re-rendered)", ours),
        ("ceiling: WeasyPrint alone on the same HTML", ceiling),
        ("render_documents task, nothing changed", unchanged),
    ):
        print(f"{label:<44} {statistics.median(samples):>9.3f} {min(samples):>7.3f} {max(samples):>7.3f}")
    ratio = statistics.median(ours) / statistics.median(ceiling)
    print(f"ratio ours / ceiling (median seconds, lower is better; goal <= 1.2): {ratio:.3f}")


if __name__ == "__main__":
    main()
