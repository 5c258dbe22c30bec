"""Reports benchmarks: the month's metrics, the digest with its chart, the chart's memory.

    .venv/bin/python scripts/bench_reports.py            # full run: 100,000 tickets
    .venv/bin/python scripts/bench_reports.py --quick    # 2,000 tickets, under a minute
    .venv/bin/python scripts/bench_reports.py --only sqlite,memory --json

Benchmarks: sqlite, postgres, memory; each in a child process of its own. The engines
get 100,000 tickets, 1,000,000 messages and 1,000,000 events over 90 days (see
``scripts/bench/reports_fill.py``); PostgreSQL uses the database ``bench_reports`` on
BOTDESK_BENCH_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/test),
created afresh and dropped afterwards, and is skipped when no server answers.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

from bench.cli import Script, main
from bench.common import Report, postgres_admin_url
from bench.reports import bench_reports, chart_memory

NAMES = ("sqlite", "postgres", "memory")
DATABASE = "bench_reports"


@dataclass(frozen=True)
class Sizes:
    tickets: int
    messages: int
    events: int


FULL = Sizes(100_000, 1_000_000, 1_000_000)
QUICK = Sizes(2000, 20_000, 20_000)


@contextlib.asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    """The database ``bench_reports``, created afresh and dropped; OSError: no server."""
    import asyncpg

    admin_url = postgres_admin_url()
    dsn = urlunsplit(urlsplit(admin_url)._replace(scheme="postgresql"))
    try:
        admin = await asyncpg.connect(dsn, timeout=3.0)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise OSError(f"PostgreSQL not reachable: {exc}") from exc
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
        try:
            yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{DATABASE}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()


async def run_one(name: str, sizes: Sizes) -> Report:
    """One benchmark, in this process."""
    report = Report(name)
    started = perf_counter()
    if name == "memory":
        chart_memory(report)
    elif name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
            await bench_reports(report, url, **asdict(sizes))
    else:
        try:
            async with bench_database() as url:
                await bench_reports(report, url, **asdict(sizes))
        except OSError as exc:
            report.add("skipped", None, note=str(exc))
    report.seconds = perf_counter() - started
    return report


async def run(names: list[str], sizes: Sizes) -> list[Report]:
    """The benchmarks ``names``, one after the other, in this process."""
    return [await run_one(name, sizes) for name in names]


SCRIPT = Script(__doc__ or "", __file__, NAMES, FULL, QUICK, run, children=True)

if __name__ == "__main__":
    sys.exit(main(SCRIPT))
