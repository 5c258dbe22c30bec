"""The scheduler benchmark on one database: lateness, idle CPU, restart, memory.

The database holds ``stored`` unfired deadlines in the future (days ahead, as SLA due
times and reminders of open tickets are), then ``due`` more that fall due within one
``window`` (evenly spread). The handler does what a real one does: it writes an event
row and an outbox item in the claim's transaction. Measured:

* lateness: from each deadline's due time to the commit of its work, p50/p99/max;
* idle CPU: ``time.process_time`` of the whole process while the scheduler sleeps over
  ``idle`` seconds with nothing due, as a share of one core;
* restart: the scheduler is stopped and the connection closed; ``missed`` deadlines fall
  due while it is down; the time from connecting again to all of them fired;
* peak RSS of the process (``getrusage``; run it in a process of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from bench.common import Report, percentile
from core.clock import SystemClock
from core.db import close_db, init_db
from core.enums import DestinationKind, EventKind
from core.models import Deadline, Event, OutboxItem
from core.outbox import store
from core.timers.deadlines import schedule
from core.timers.scheduler import Scheduler

LATENESS_P99_TARGET = 1.0  # seconds
IDLE_CPU_TARGET = 1.0  # percent of one core
CHUNK = 5000  # rows per bulk insert
LEAD = 10.0  # seconds from storing the due deadlines to the first of them


def _peak_mb() -> float:
    """The process's peak RSS so far, in MB.

    On Linux from ``VmHWM``: ``ru_maxrss`` survives ``exec`` and would report the
    parent's size when the parent was the larger one.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # macOS: bytes


async def handle(connection: BaseDBAsyncClient, row: Deadline, now: datetime) -> None:
    """Representative work: one SLA event row and one outbox item (a notice in a topic)."""
    ticket = int(row.payload["ticket"])
    await Event.create(
        using_db=connection,
        kind=EventKind.SLA_BREACHED,
        data={"clock": "first_response", "cycle": 1, "key": row.key},
        created_at=now,
    )
    await store.enqueue(
        destination=f"tg:topic:{ticket}",
        kind=DestinationKind.TELEGRAM_GROUP,
        budget_key="group",
        operation="send_text",
        payload={"text": f"SLA first response overdue, ticket #{ticket}"},
        now=now,
        using_db=connection,
    )


async def _bulk_store(count: int, first: int, due: datetime, spread: timedelta) -> None:
    """Insert ``count`` unfired deadlines from ``due`` on, ``spread`` apart."""
    for start in range(0, count, CHUNK):
        rows = [
            Deadline(
                key=f"sla:{first + n}:first_response:1:breach",
                kind="sla_breach",
                due_at=due + spread * n,
                payload={"ticket": first + n},
            )
            for n in range(start, min(start + CHUNK, count))
        ]
        await Deadline.bulk_create(rows)


async def _store_due(due: int, first: int, window: float) -> None:
    """Store ``due`` deadlines falling due evenly over ``window`` seconds, as use cases do."""
    # time to store them all before the first is due (the quick run's window is short)
    start = datetime.now(UTC) + timedelta(seconds=min(LEAD, window))
    step = window / due
    async with in_transaction() as connection:
        for n in range(due):
            at = start + timedelta(seconds=n * step)
            key = f"sla:{first + n}:first_response:1:warning"
            await schedule(connection, key, "sla_breach", at, {"ticket": first + n})


async def _until(condition: object, within: float) -> None:
    ends = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > ends:
            raise RuntimeError("the scheduler did not fire everything in time")
        await asyncio.sleep(0.005)


async def bench_scheduler(
    report: Report,
    database_url: str,
    *,
    stored: int,
    due: int,
    window: float,
    idle: float,
    missed: int,
) -> None:
    """Run the four measurements on ``database_url`` (an empty database)."""
    await init_db(database_url)
    started = time.perf_counter()
    far = datetime.now(UTC) + timedelta(days=1)
    await _bulk_store(stored, 1, far, timedelta(seconds=7))
    report.details["stored"] = stored
    report.details["insert_seconds"] = round(time.perf_counter() - started, 1)
    report.details["peak_mb_after_insert"] = round(_peak_mb(), 1)

    scheduler = Scheduler({"sla_breach": handle}, clock=SystemClock())
    await scheduler.start()
    await asyncio.sleep(0.5)  # its first pass: nothing due, asleep until tomorrow
    cpu, wall = time.process_time(), time.perf_counter()
    ticks = scheduler.stats.ticks
    await asyncio.sleep(idle)
    cpu_share = (time.process_time() - cpu) / (time.perf_counter() - wall) * 100
    report.add(
        f"idle CPU over {idle:.0f} s, {stored:,} deadlines stored, none due",
        cpu_share,
        "% of a core",
        target=f"< {IDLE_CPU_TARGET:.0f}",
        passed=cpu_share < IDLE_CPU_TARGET,
        note=f"{scheduler.stats.ticks - ticks} passes",
    )

    stored_in = time.perf_counter()
    await _store_due(due, stored + 1, window)
    report.details["store_due_seconds"] = round(time.perf_counter() - stored_in, 2)
    scheduler.wake()
    await _until(lambda: scheduler.stats.fired >= due, LEAD + window + 60)
    late = list(scheduler.stats.lateness)
    p50, p99 = percentile(late, 50), percentile(late, 99)
    report.add(f"lateness p50, {due:,} due within {window:.0f} s", p50 * 1000, "ms")
    report.add(
        f"lateness p99, {due:,} due within {window:.0f} s",
        p99,
        "s",
        target=f"<= {LATENESS_P99_TARGET:.0f}",
        passed=p99 <= LATENESS_P99_TARGET,
    )
    report.add("lateness max", max(late), "s")
    outbox = await OutboxItem.all().count()
    if outbox != due or await Event.all().count() != due:
        raise RuntimeError(f"{due} deadlines fired but {outbox} outbox items were written")
    await scheduler.stop()
    await close_db()
    report.details["peak_mb_after_burst"] = round(_peak_mb(), 1)

    await _restart(report, database_url, stored, missed)
    report.add("peak RSS of the process", _peak_mb(), "MB", note="includes the bulk insert")


async def _restart(report: Report, database_url: str, stored: int, missed: int) -> None:
    """Down, ``missed`` deadlines fall due meanwhile; up: time until they have all fired."""
    await init_db(database_url)
    await _bulk_store(missed, 10 * stored, datetime.now(UTC) - timedelta(hours=1), timedelta())
    await close_db()
    began = time.perf_counter()
    await init_db(database_url)
    scheduler = Scheduler({"sla_breach": handle}, clock=SystemClock())
    await scheduler.start()
    await _until(lambda: scheduler.stats.ticks >= 1, 60)
    first_pass = time.perf_counter() - began
    await _until(lambda: scheduler.stats.fired >= missed, 60)
    elapsed = time.perf_counter() - began
    await scheduler.stop()
    await close_db()
    report.add("restart to the first pass", first_pass * 1000, "ms", note="connect and start")
    report.add(
        f"restart to all {missed:,} missed deadlines fired",
        elapsed * 1000,
        "ms",
        note=f"{stored + missed:,} rows stored; connect, claim, fire, commit",
    )
