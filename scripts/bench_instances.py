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

import sys
from dataclasses import dataclass
from time import perf_counter

from bench.cli import Script, main
from bench.common import Report
from bench.instances import bench_failover, bench_group, bench_ingest

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


SCRIPT = Script(__doc__ or "", __file__, NAMES, FULL, QUICK, run)

if __name__ == "__main__":
    sys.exit(main(SCRIPT))
