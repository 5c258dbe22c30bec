"""The scheduler's loop: fires once, sleeps until the nearest deadline, wakes, restarts."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.models import Deadline
from core.timers.deadlines import schedule
from core.timers.scheduler import Scheduler
from tests.core.timers.scheduler_support import (
    T0,
    Recorder,
    effects,
    fired_keys,
    put,
    running,
    soon,
    until,
)


async def test_a_due_deadline_fires_once(db: str) -> None:
    handler = Recorder()
    woken: list[int] = []
    await put("sla:1:first_response:1:breach", soon(-1))
    async with running({"note": handler}, on_fired=lambda: woken.append(1)) as scheduler:
        await until(lambda: scheduler.stats.fired == 1)
        await asyncio.sleep(0.2)  # time enough to fire it again, were it to
        assert await scheduler.tick() == 0
    assert handler.calls == {"sla:1:first_response:1:breach": 1}
    assert await effects() == {"sla:1:first_response:1:breach": 1}
    row = await Deadline.get(key="sla:1:first_response:1:breach")
    assert row.fired_at is not None and row.attempts == 0 and row.last_error is None
    assert woken == [1]  # the outbox worker is told once, after the commit


async def test_a_nearer_deadline_stored_later_wakes_the_loop(db: str) -> None:
    handler = Recorder()
    await put("far", soon(3600))
    async with running({"note": handler}, max_sleep=60) as scheduler:
        await asyncio.sleep(0.1)  # asleep until the far one (capped at a minute)
        await put("near", soon(-0.01))
        await asyncio.sleep(0.3)
        assert handler.calls == {}  # stored without telling the scheduler: it sleeps on
        started = time.monotonic()
        scheduler.wake()
        await until(lambda: handler.calls["near"] == 1, within=2.0)
        assert time.monotonic() - started < 1.0
    assert await fired_keys() == {"near"}


async def test_a_wake_for_a_deadline_in_the_near_future_sleeps_until_it(db: str) -> None:
    handler = Recorder()
    async with running({"note": handler}, max_sleep=60) as scheduler:
        await asyncio.sleep(0.05)
        await put("soon", soon(0.4))
        scheduler.wake()
        await asyncio.sleep(0.2)
        assert handler.calls == {}  # not before its time
        await until(lambda: handler.calls["soon"] == 1, within=2.0)
        # woken once, slept once until the due time, fired: no stream of passes
        assert scheduler.stats.ticks <= 4


async def test_deadlines_a_moment_apart_fire_one_after_the_other(db: str) -> None:
    # each falls due while the loop is busy with the one before it: due after the
    # claim looked, it is next, not "held by another instance" (which waits a second)
    handler = Recorder()
    first = soon(0.3)
    for n in range(8):
        await put(f"k{n}", first + timedelta(milliseconds=3 * n))
    async with running({"note": handler}, max_sleep=60) as scheduler:
        await until(lambda: scheduler.stats.fired == 8, within=3.0)
    assert max(scheduler.stats.lateness) < 1.0
    assert handler.calls == {f"k{n}": 1 for n in range(8)}


async def test_with_nothing_due_it_does_not_spin(db: str) -> None:
    await put("tomorrow", soon(86_400))
    async with running({"note": Recorder()}, max_sleep=600) as scheduler:
        await asyncio.sleep(1.0)
        assert scheduler.stats.ticks <= 2


async def test_an_empty_table_does_not_spin_either(db: str) -> None:
    async with running({"note": Recorder()}, max_sleep=600) as scheduler:
        await asyncio.sleep(1.0)
        assert scheduler.stats.ticks <= 2


async def test_what_fell_due_while_down_fires_once_at_start(db: str) -> None:
    keys = [f"task:{n}:remind" for n in range(5)]
    for n, key in enumerate(keys):
        await put(key, soon(-3600 + n * 60))
    await put("later", soon(3600))
    handler = Recorder()
    async with running({"note": handler}) as scheduler:
        await until(lambda: scheduler.stats.fired == 5)
        await asyncio.sleep(0.2)
    # restarted: nothing fires again
    async with running({"note": handler}) as scheduler:
        await asyncio.sleep(0.2)
        assert scheduler.stats.fired == 0
    assert handler.calls == dict.fromkeys(keys, 1)
    assert await effects() == dict.fromkeys(keys, 1)
    assert await fired_keys() == set(keys)


async def test_a_moved_deadline_fires_at_its_new_time_and_a_fired_one_stays_fired(
    db: str,
) -> None:
    clock = FrozenClock(T0)
    handler = Recorder()
    scheduler = Scheduler({"note": handler}, clock=clock)
    await put("nudge:7", soon(10, clock))
    clock.advance(seconds=5)
    assert await scheduler.tick() == 0
    await put("nudge:7", soon(15, clock))  # moved: now due at T0 + 20 s
    clock.advance(seconds=10)
    assert await scheduler.tick() == 0  # its first time has passed, its new one has not
    clock.advance(seconds=5)
    assert await scheduler.tick() == 1
    fired = await Deadline.get(key="nudge:7")
    assert fired.fired_at == T0.replace(second=20)
    async with in_transaction() as connection:  # scheduling a fired key again
        await schedule(connection, "nudge:7", "note", soon(5, clock))
    clock.advance(seconds=60)
    assert await scheduler.tick() == 0
    assert handler.calls == {"nudge:7": 1}
    assert await Deadline.filter(key="nudge:7").count() == 1


async def test_deadlines_fire_in_due_order_across_batches(db: str) -> None:
    clock = FrozenClock(T0)
    order: list[str] = []
    handler = Recorder()

    async def recording(connection, row, now):  # type: ignore[no-untyped-def]
        order.append(row.key)
        await handler(connection, row, now)

    for n in reversed(range(12)):
        await put(f"d{n:02}", soon(n, clock))
    clock.advance(seconds=30)
    scheduler = Scheduler({"note": recording}, clock=clock, batch=5)
    assert await scheduler.tick() == 12
    assert order == [f"d{n:02}" for n in range(12)]
    assert list(scheduler.stats.lateness) == [30.0 - n for n in range(12)]
