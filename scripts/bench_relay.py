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
import sys
from dataclasses import dataclass, replace
from time import perf_counter

from bench.cli import Script, main
from bench.common import Report
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


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ingest-messages", type=int, help="messages of the ingest benchmarks")


def _adjust(args: argparse.Namespace, sizes: Sizes) -> Sizes:
    if not args.ingest_messages:
        return sizes
    customers = max(1, min(sizes.ingest_customers, args.ingest_messages // 5))
    return replace(sizes, ingest_messages=args.ingest_messages, ingest_customers=customers)


SCRIPT = Script(__doc__ or "", __file__, NAMES, FULL, QUICK, run, options=_options, adjust=_adjust)

if __name__ == "__main__":
    sys.exit(main(SCRIPT))
