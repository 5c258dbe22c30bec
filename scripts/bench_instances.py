"""Several-instance benchmarks: ingest with 1–3 processes, polling failover, the group budget.

    .venv/bin/python scripts/bench_instances.py            # full run, about 6 minutes
    .venv/bin/python scripts/bench_instances.py --quick    # a smoke run
    .venv/bin/python scripts/bench_instances.py --only failover --save results.json

Needs PostgreSQL (a database made afresh on BOTDESK_BENCH_POSTGRES_URL's server, default
postgres://postgres@127.0.0.1:5432/test) and a Redis database it may empty
(BOTDESK_BENCH_REDIS_URL, default redis://127.0.0.1:6379/15); a benchmark whose engine
does not answer is skipped with a note. What each one measures: scripts/bench/instances.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import asdict, dataclass
from time import perf_counter

from bench.common import Report
from bench.instances import bench_failover, bench_group, bench_ingest
from bench_relay import machine, table

NAMES = ("ingest", "failover", "group")


@dataclass(frozen=True)
class Sizes:
    ingest_messages: int
    ingest_customers: int
    kills: int
    ttl: float
    group_customers: int
    group_window: float
    group_windows: int


FULL = Sizes(3000, 300, 10, 8.0, 60, 3.0, 8)
QUICK = Sizes(200, 40, 2, 2.0, 20, 1.5, 3)


async def run(names: list[str], sizes: Sizes) -> list[Report]:
    reports = []
    for name in names:
        report = Report(name)
        started = perf_counter()
        print(f"... {name}", file=sys.stderr, flush=True)
        try:
            if name == "ingest":
                await bench_ingest(report, sizes.ingest_messages, sizes.ingest_customers)
            elif name == "failover":
                await bench_failover(report, sizes.kills, sizes.ttl)
            else:
                await bench_group(
                    report, sizes.group_customers, sizes.group_window, sizes.group_windows
                )
        except OSError as exc:  # PostgreSQL or Redis not there
            report.add("skipped", None, note=str(exc))
        report.seconds = perf_counter() - started
        reports.append(report)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(NAMES)}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="PATH", help="also write the JSON results to PATH")
    args = parser.parse_args(argv)
    names = list(NAMES)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(names) - set(NAMES))
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    sizes = QUICK if args.quick else FULL
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    started = perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # migrations print what they apply
        reports = asyncio.run(run(names, sizes))
    elapsed = perf_counter() - started
    document = {
        "mode": "quick" if args.quick else "full",
        "seconds": elapsed,
        "machine": machine(),
        "sizes": asdict(sizes),
        "benchmarks": [
            {
                "name": r.name,
                "seconds": r.seconds,
                "rows": [row.to_json() for row in r.rows],
                "details": r.details,
            }
            for r in reports
        ],
    }
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, default=str)
    print(json.dumps(document, indent=2, default=str) if args.json else table(reports))
    print(f"\n{'quick' if args.quick else 'full'} run, {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
