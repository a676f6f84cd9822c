"""Print, for each test pass of `make test`, its wall time and the sum of its tests' durations,
then where that sum goes: the test folders that took most of it, across the passes.

Reads the JUnit XML files that `make test TEST_REPORTS=<dir>` leaves in <dir>. The sum is the work
the pass did (its two workers share it), so it tells a slower suite from a busier machine.
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from pathlib import Path


def main(directory):
    reports = sorted(Path(directory).glob("*.xml"))
    if not reports:
        return
    suites = []
    by_folder = Counter()
    for report in reports:
        suite = ET.parse(report).getroot()  # noqa: S314 - pytest wrote these files in this run
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        cases = suite.findall("testcase")
        for case in cases:
            # "tests.e2e.test_browse" → "tests/e2e" (the folder, as the tree shows it) and the pass.
            folder = "/".join(case.get("classname", "").split(".")[:-1]) or "?"
            by_folder[(folder, report.stem)] += float(case.get("time", 0))
        started = datetime.fromisoformat(suite.get("timestamp"))
        suites.append((started, report.stem, suite, sum(float(case.get("time", 0)) for case in cases)))
    first = min(started for started, *_ in suites)
    print(f"{'pass':16} {'start':>7} {'wall':>9} {'tests':>6} {'skipped':>8} {'sum of durations':>17}")
    for started, name, suite, total in sorted(suites, key=lambda row: row[0]):
        offset = (started - first).total_seconds()
        print(
            f"{name:16} {offset:6.0f}s {float(suite.get('time')):7.1f} s {suite.get('tests'):>6} "
            f"{suite.get('skipped'):>8} {total:15.1f} s"
        )
    print(f"\n{'folder':40} {'pass':16} {'sum of durations':>17}")
    for (folder, name), seconds in by_folder.most_common(15):
        print(f"{folder:40} {name:16} {seconds:15.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
