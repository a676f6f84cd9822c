"""How long the attendance importer takes on a quote-heavy file that makes csv.Sniffer quadratic:
our bounded, linear delimiter detection versus csv.Sniffer on the same text.

Not a test: it prints a table. The baseline sniffs growing samples only (20 and 40 KB), since the
1.6 MB file would take far longer than a bench run may.
"""

import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings_test")

import django

django.setup()

from sessions_app.outcomes.attendance_report import AttendanceFileError, parse_attendance_csv  # noqa: E402


def quote_heavy(size):
    return (',"' * (size // 2))[:size]


def timed(function):
    started = time.perf_counter()
    try:
        outcome = function()
    except (AttendanceFileError, csv.Error) as error:
        outcome = f"refused: {str(error)[:60]}"
    return time.perf_counter() - started, outcome


def main():
    print("attendance file of quote-heavy text, seconds")
    print(f"{'what':<42}{'size':>10}{'seconds':>10}  outcome")
    for size in (20_000, 40_000):
        seconds, _outcome = timed(lambda size=size: csv.Sniffer().sniff(quote_heavy(size), delimiters=",;\t"))
        print(f"{'baseline: csv.Sniffer().sniff':<42}{size:>10}{seconds:>10.3f}")
    for label, data in (
        ("ours: parse_attendance_csv, no header", quote_heavy(1_600_000)),
        ("ours: parse_attendance_csv, header first", "Email,Duration (minutes)\n" + quote_heavy(1_600_000)),
    ):
        seconds, outcome = timed(lambda data=data: parse_attendance_csv(data.encode()))
        if not isinstance(outcome, str):
            outcome = f"parsed: {len(outcome.rows)} rows, {len(outcome.malformed)} malformed"
        print(f"{label:<42}{len(data):>10}{seconds:>10.3f}  {outcome}")


if __name__ == "__main__":
    main()
