"""Exactly once with several schedulers on one database, and after a crash mid-batch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import SystemClock
from core.models import Deadline
from core.timers.scheduler import Scheduler
from tests.core.timers.scheduler_support import (
    Recorder,
    effects,
    fired_keys,
    running,
    soon,
    until,
)


async def _store_due(count: int) -> list[str]:
    keys = [f"sla:{n}:first_response:1:breach" for n in range(count)]
    start = soon(-60)
    await Deadline.bulk_create(
        [
            Deadline(key=key, kind="note", due_at=start + timedelta(milliseconds=n), payload={})
            for n, key in enumerate(keys)
        ]
    )
    return keys


async def test_two_schedulers_on_one_database_fire_each_deadline_once(db: str) -> None:
    keys = await _store_due(300)
    # one handler shared by both: every call counts, whichever scheduler made it
    handler = Recorder(delay=0.001)
    async with (
        running({"note": handler}, batch=10) as first,
        running({"note": handler}, batch=10) as second,
    ):
        await until(lambda: first.stats.fired + second.stats.fired == 300, within=60.0)
        await asyncio.sleep(0.2)  # nothing more may come
        assert first.stats.fired + second.stats.fired == 300
    assert handler.calls == dict.fromkeys(keys, 1)
    assert await effects() == dict.fromkeys(keys, 1)
    assert await fired_keys() == set(keys)
    if db.startswith("postgres"):
        # SKIP LOCKED lets both work at once instead of one waiting for the other
        assert first.stats.fired > 0 and second.stats.fired > 0


async def test_a_scheduler_killed_mid_batch_and_a_new_one_fire_everything_once(db: str) -> None:
    keys = await _store_due(40)
    stuck = asyncio.Event()
    never = asyncio.Event()

    async def hang_on_the_seventh(row: Deadline) -> None:
        if row.key == keys[6]:
            stuck.set()
            await never.wait()  # the process dies here, its transaction open

    crashing = Recorder(block=hang_on_the_seventh)
    first = Scheduler({"note": crashing}, clock=SystemClock(), batch=10)
    await first.start()
    await asyncio.wait_for(stuck.wait(), timeout=10.0)
    await first.stop(grace=0)  # cancelled mid-batch, like a crash
    assert crashing.calls[keys[6]] == 1
    committed = await fired_keys()
    assert keys[0] not in committed  # the batch it was in was rolled back whole…
    assert set(keys[:6]) & committed == set()
    handler = Recorder()
    async with running({"note": handler}) as second:
        await until(lambda: second.stats.fired == 40 - len(committed), within=10.0)
    # …so each deadline's work is committed exactly once, by one scheduler or the other
    assert await effects() == dict.fromkeys(keys, 1)
    assert await fired_keys() == set(keys)
    assert set(handler.calls) == set(keys) - committed
