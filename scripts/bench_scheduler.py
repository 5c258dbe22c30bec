"""Scheduler benchmarks: lateness under a burst, idle CPU, restart, memory.

    .venv/bin/python scripts/bench_scheduler.py            # full run, about 6 minutes
    .venv/bin/python scripts/bench_scheduler.py --quick    # small sizes, under a minute
    .venv/bin/python scripts/bench_scheduler.py --only sqlite --json

Benchmarks: sqlite, postgres. Each runs in a child process of its own, so its peak RSS is
its own. 100,000 unfired deadlines in the future, then 1,000 falling due within one
minute; see ``scripts/bench/scheduler.py`` for what is measured. PostgreSQL comes from
BOTDESK_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); a scratch
database is created and dropped.
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
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.common import Report, Row, postgres_database
from bench.scheduler import bench_scheduler

NAMES = ("sqlite", "postgres")


@dataclass(frozen=True)
class Sizes:
    stored: int  # unfired deadlines in the future
    due: int  # deadlines falling due within the window
    window: float  # seconds
    idle: float  # seconds of idle CPU measured
    missed: int  # deadlines falling due while the scheduler is down


FULL = Sizes(100_000, 1000, 60.0, 60.0, 1000)
QUICK = Sizes(2000, 100, 3.0, 2.0, 100)


async def run_one(name: str, sizes: Sizes) -> Report:
    """One engine's benchmark, in this process."""
    report = Report(name)
    started = perf_counter()
    kwargs = asdict(sizes)
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
            await bench_scheduler(report, url, **kwargs)
    else:
        try:
            async with postgres_database() as url:
                await bench_scheduler(report, url, **kwargs)
        except OSError as exc:
            report.add("skipped", None, note=str(exc))
    report.seconds = perf_counter() - started
    return report


def _child(name: str, quick: bool) -> Report:
    """Run one engine's benchmark in a fresh process and read its report back."""
    command = [sys.executable, __file__, "--child", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} benchmark failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    report = Report(data["name"], details=data["details"], seconds=data["seconds"])
    report.rows = [Row(**row) for row in data["rows"]]
    return report


def _document(
    reports: list[Report], quick: bool, sizes: Sizes, seconds: float, machine: dict[str, Any]
) -> dict[str, Any]:
    return {
        "mode": "quick" if quick else "full",
        "seconds": seconds,
        "machine": machine,
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
    # the relay script's table and machine description; imported here only, so the
    # children measuring memory do not carry the relay benchmarks' imports
    from bench_relay import machine, table

    started = perf_counter()
    reports = []
    for name in names:
        print(f"... {name}", file=sys.stderr, flush=True)
        reports.append(_child(name, args.quick))
    document = _document(reports, args.quick, sizes, perf_counter() - started, machine())
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
