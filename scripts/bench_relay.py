"""Relay benchmarks: ingest throughput, added latency, the group budget, memory.

    .venv/bin/python scripts/bench_relay.py            # full run, about 10 minutes
    .venv/bin/python scripts/bench_relay.py --quick    # small sizes, under a minute
    .venv/bin/python scripts/bench_relay.py --only ingest-sqlite --json

Benchmarks: ingest-sqlite, ingest-postgres, latency, budget, memory. Every figure is
printed with its target and a pass/fail verdict; the results go to BENCHMARKS.md.
PostgreSQL comes from BOTDESK_BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/test); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import sys
from dataclasses import asdict, dataclass, replace
from time import perf_counter
from typing import Any

from bench.common import Report, Row
from bench.ingest import bench_ingest_postgres, bench_ingest_sqlite
from bench.memory import bench_memory
from bench.relay import bench_budget, bench_latency

NAMES = ("ingest-sqlite", "ingest-postgres", "latency", "budget", "memory")


@dataclass(frozen=True)
class Sizes:
    ingest_messages: int
    ingest_customers: int
    latency_customers: int
    latency_seconds: float
    budget_customers: int
    budget_window: float
    budget_windows: int
    budget_loads: tuple[int, ...]
    memory_conversations: int
    memory_active: int
    memory_messages: int


FULL = Sizes(5000, 1000, 50, 30.0, 50, 6.0, 8, (2, 5, 10), 10_000, 300, 1500)
QUICK = Sizes(300, 60, 10, 3.0, 20, 2.0, 3, (10,), 1000, 60, 200)


async def run(names: list[str], sizes: Sizes) -> list[Report]:
    reports: list[Report] = []
    sqlite_rate: float | None = None
    for name in names:
        report = Report(name)
        started = perf_counter()
        print(f"... {name}", file=sys.stderr, flush=True)
        if name == "ingest-sqlite":
            rates = await bench_ingest_sqlite(report, sizes.ingest_messages, sizes.ingest_customers)
            sqlite_rate = rates[1]
        elif name == "ingest-postgres":
            await bench_ingest_postgres(
                report, sizes.ingest_messages, sizes.ingest_customers, sqlite_rate
            )
        elif name == "latency":
            await bench_latency(report, sizes.latency_customers, 100.0, sizes.latency_seconds)
        elif name == "budget":
            await bench_budget(
                report,
                sizes.budget_customers,
                sizes.budget_window,
                sizes.budget_windows,
                sizes.budget_loads,
            )
        elif name == "memory":
            await bench_memory(
                report,
                sizes.memory_conversations,
                sizes.memory_active,
                sizes.memory_messages,
                100.0,
            )
        report.seconds = perf_counter() - started
        reports.append(report)
    return reports


def _figure(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _verdict(row: Row) -> str:
    return "" if row.passed is None else ("PASS" if row.passed else "FAIL")


def table(reports: list[Report]) -> str:
    header = ("benchmark", "metric", "value", "unit", "target", "result", "note")
    lines = [header]
    for report in reports:
        for row in report.rows:
            value = _figure(row.value)
            lines.append(
                (row.bench, row.metric, value, row.unit, row.target, _verdict(row), row.note)
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [
            cell.rjust(width) if i == 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(NAMES)}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="PATH", help="also write the JSON results to PATH")
    parser.add_argument("--ingest-messages", type=int, help="messages of the ingest benchmarks")
    args = parser.parse_args(argv)
    names = list(NAMES)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(names) - set(NAMES))
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    sizes = QUICK if args.quick else FULL
    if args.ingest_messages:
        customers = max(1, min(sizes.ingest_customers, args.ingest_messages // 5))
        sizes = replace(sizes, ingest_messages=args.ingest_messages, ingest_customers=customers)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    started = perf_counter()
    # migrations print what they apply: keep stdout for the results alone
    with contextlib.redirect_stdout(sys.stderr):
        reports = asyncio.run(run(names, sizes))
    elapsed = perf_counter() - started
    document = {
        "mode": "quick" if args.quick else "full",
        "seconds": elapsed,
        "machine": machine(),
        "sizes": asdict(sizes),
        "benchmarks": [
            {
                "name": report.name,
                "seconds": report.seconds,
                "rows": [row.to_json() for row in report.rows],
                "details": report.details,
            }
            for report in reports
        ],
    }
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, default=str)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    else:
        print(table(reports))
        print(f"\n{'quick' if args.quick else 'full'} run, {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
