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

import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter

from bench.cli import Script, main
from bench.common import Report, postgres_database
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


async def run(names: list[str], sizes: Sizes) -> list[Report]:
    """The benchmarks ``names``, one after the other, in this process."""
    return [await run_one(name, sizes) for name in names]


SCRIPT = Script(__doc__ or "", __file__, NAMES, FULL, QUICK, run, children=True)

if __name__ == "__main__":
    sys.exit(main(SCRIPT))
