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

import argparse
import asyncio
import contextlib
import json
import logging
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

from bench.common import Report, Row, postgres_admin_url
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


def _child(name: str, quick: bool) -> Report:
    """Run one benchmark in a fresh process and read its report back."""
    command = [sys.executable, __file__, "--child", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} benchmark failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    report = Report(data["name"], details=data["details"], seconds=data["seconds"])
    report.rows = [Row(**row) for row in data["rows"]]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(NAMES)}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="PATH", help="also write the JSON results to PATH")
    parser.add_argument("--child", choices=NAMES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if args.child:
        # migrations print what they apply: keep stdout for the report alone
        with contextlib.redirect_stdout(sys.stderr):
            report = asyncio.run(run_one(args.child, sizes))
        print(json.dumps(asdict(report), default=str))
        return 0
    names = list(NAMES)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(names) - set(NAMES))
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    from bench_relay import machine, table

    started = perf_counter()
    reports = []
    for name in names:
        print(f"... {name}", file=sys.stderr, flush=True)
        reports.append(_child(name, args.quick))
    document = {
        "mode": "quick" if args.quick else "full",
        "seconds": perf_counter() - started,
        "machine": machine(),
        "sizes": asdict(sizes),
        "benchmarks": [
            {"name": r.name, "seconds": r.seconds, "rows": [row.to_json() for row in r.rows],
             "details": r.details}
            for r in reports
        ],
    }  # fmt: skip
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, default=str)
    if args.json:
        print(json.dumps(document, indent=2, default=str))
    else:
        print(table(reports))
        print(f"\n{document['mode']} run, {document['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
