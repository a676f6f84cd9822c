"""Lighthouse on the public pages in Spanish, as an independent auditor measures them (``make lighthouse``).

Not a test: it prints the four scores of each page. The portal runs as in production (gunicorn
``-w 2``, DEBUG off, hashed static files served by WhiteNoise, the demo data on a SQLite file of the
run's own); Lighthouse (npm ``lighthouse``, in node_modules) drives Debian's Chromium with its
default mobile emulation and simulated throttling. The goal on the home, session and register
pages: performance 95 or more, 100 in accessibility, best practices and SEO.

    make lighthouse                       # every page, one run each
    LIGHTHOUSE_RUNS=3 make lighthouse     # the median of three runs per page
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap

run = bootstrap.start(database="sqlite", settings="copolad_wg.settings_test")

from django.core.management import call_command  # noqa: E402

LIGHTHOUSE = bootstrap.ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "/es/",
    "session 3 (open)": "/es/sessions/session-3-alternatives-to-imprisonment/",
    "session 2 (held)": "/es/sessions/session-2-inclusive-mechanisms/",
    "register": "/es/registrations/sessions/session-3-alternatives-to-imprisonment/register/",
}
GOAL = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def collect_static(env):
    subprocess.run(
        [bootstrap.PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=bootstrap.ROOT,
        env=env,
        check=True,
    )


def run_lighthouse(url, output):
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={output}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--locale=es",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking "
            "--disable-component-update --disable-sync",
        ],  # fmt: skip
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
        timeout=240,
    )


def audit(url, *, work):
    """The four scores (0–100) and the failing audits' titles of one Lighthouse run."""
    output = Path(work) / "report.json"
    for attempt in range(3):
        # Lighthouse sometimes loses the page's trace (NO_NAVSTART) on a busy machine: run it again.
        try:
            run_lighthouse(url, output)
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
    report = json.loads(output.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failing = sorted(
        {
            report["audits"][ref["id"]]["title"]
            for name in CATEGORIES
            for ref in report["categories"][name]["auditRefs"]
            if ref["weight"] and (report["audits"][ref["id"]].get("score") or 0) < 0.9
            and report["audits"][ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")
        }
    )  # fmt: skip
    blocking = report["audits"].get("total-blocking-time", {}).get("numericValue", 0)
    return scores, failing, blocking


def main():
    if not LIGHTHOUSE.exists():
        sys.exit("node_modules/.bin/lighthouse is missing: run `npm ci` (lighthouse is a devDependency).")
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
    env = run.env(STATIC_MANIFEST="1")
    collect_static(env)
    server = bootstrap.Gunicorn(run, STATIC_MANIFEST="1")
    runs = max(1, int(os.environ.get("LIGHTHOUSE_RUNS", "1")))
    version = json.loads((bootstrap.ROOT / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    print(f"Lighthouse {version}, mobile emulation, gunicorn -w 2 (DEBUG=0); "
          f"median of {runs} run(s) per page; goal: {GOAL}")  # fmt: skip
    print(f"{'page':<20} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'TBT ms':>7}  below 90")
    for name, path in PAGES.items():
        results = []
        with tempfile.TemporaryDirectory() as work:
            for _ in range(runs):
                results.append(audit(f"http://127.0.0.1:{server.port}{path}", work=work))
        scores = {key: statistics.median(result[0][key] for result in results) for key in CATEGORIES}
        blocking = statistics.median(result[2] for result in results)
        failing = sorted({title for result in results for title in result[1]})
        print(
            f"{name:<20} {scores['performance']:>5g} {scores['accessibility']:>5g} {scores['best-practices']:>5g} "
            f"{scores['seo']:>5g} {blocking:>7.0f}  {'; '.join(failing) or '—'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
