"""Batches (albums, merged plain texts) and coalescing, through the running worker."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.enums import DestinationKind, OutboxStatus
from core.outbox import enqueue
from core.outbox.budgets import Budgets, Rate
from tests.core.outbox.test_outbox_support import (
    CLOCK,
    Batcher,
    Recorder,
    all_done,
    put,
    running,
    statuses,
    until,
)

GROUP = DestinationKind.TELEGRAM_GROUP


def slow_group(count: int, per: float) -> Budgets:
    return Budgets(telegram_group=Rate(count, per), telegram_channel=Rate(1000, 1.0))


async def test_an_album_is_gathered_into_one_batch_after_settling(db: str) -> None:
    # settle is long next to the gaps, so a slow insert on a busy machine can't split it
    op = Batcher(max_batch=10, settle=timedelta(seconds=0.5), merged_cost=False)
    async with running({"send": op}, budgets=slow_group(3, 10.0)) as worker:
        for n in range(3):  # the parts arrive as separate updates, a moment apart
            await put("tg:topic:1", f"p{n}", key="album:77")
            worker.wake()
            await asyncio.sleep(0.03)
        last_part = time.monotonic()
        await until(all_done("p0", "p1", "p2"))
        assert [run.names for run in op.runs] == [("p0", "p1", "p2")]
        assert op.runs[0].started - last_part >= 0.3  # waited for the newest part to settle
        await until(lambda: worker.counters.sent >= 3)  # counted just after the commit
        assert (worker.counters.batches, worker.counters.merged, worker.counters.sent) == (1, 2, 3)
        # an album of three spent three messages of the group's budget
        now = CLOCK.now().timestamp()
        assert worker.ledger.check(GROUP, "tg:topic:1", 1, now).blocking


async def test_plain_texts_merge_only_while_the_queue_is_backed_up(db: str) -> None:
    op = Batcher(max_batch=3)
    async with running({"send": op}, budgets=slow_group(1, 0.25)) as worker:
        await put("tg:topic:1", "t1", key="plain-text")
        worker.wake()
        await until(lambda: len(op.runs) == 1)
        assert op.runs[0].names == ("t1",)  # nothing waiting: it goes alone, at once
        async with in_transaction() as connection:  # five more while the budget is spent
            for n in range(2, 7):
                await enqueue(
                    destination="tg:topic:1",
                    kind=GROUP,
                    budget_key="tg:topic:1",
                    operation="send",
                    payload={"n": f"t{n}", "key": "plain-text"},
                    now=CLOCK.now(),
                    using_db=connection,
                )
        worker.wake()
        await until(all_done(*(f"t{n}" for n in range(1, 7))))
        assert [run.names for run in op.runs] == [("t1",), ("t2", "t3", "t4"), ("t5", "t6")]
        assert (worker.counters.batches, worker.counters.merged) == (2, 3)


async def test_only_neighbours_with_the_same_key_travel_together(db: str) -> None:
    op = Batcher(max_batch=10)
    for name, key in [("t1", "plain-text"), ("t2", "plain-text"), ("a1", "album:1")]:
        await put("tg:topic:1", name, key=key)
    await put("tg:topic:1", "a2", key="album:1")
    await put("tg:topic:1", "t3", key="plain-text")
    await put("tg:topic:1", "sticker")
    await put("tg:topic:2", "t4", key="plain-text")  # another topic: never merged
    async with running({"send": op}):
        await until(all_done("t1", "t2", "a1", "a2", "t3", "sticker", "t4"))
    runs = sorted(run.names for run in op.runs)
    assert runs == sorted([("t1", "t2"), ("a1", "a2"), ("t3",), ("sticker",), ("t4",)])


async def test_ten_taps_cost_at_most_two_edits(db: str) -> None:
    op = Recorder()
    async with running({"send": op}, budgets=slow_group(1, 0.3)) as worker:
        for n in range(1, 11):
            await put("tg:topic:1", f"e{n}", coalesce_key="card:1")
            worker.wake()
            await asyncio.sleep(0.01)
        await until(all_done("e10"))
        await asyncio.sleep(0.05)
    # An early tap goes out at once (the first, or a later one if the worker was still
    # connecting); the rest wait out the group's budget and only the newest is sent.
    sent = op.sent()
    assert len(sent) == 2 and sent[-1] == "e10", sent
    current = await statuses()
    assert all(status is OutboxStatus.DONE for status in current.values())


async def test_younger_single_messages_cannot_starve_an_older_album(db: str) -> None:
    op = Batcher(max_batch=10, merged_cost=False)
    await put("tg:topic:c", "z", budget_key="tg:-100")
    for n in range(3):
        await put("tg:topic:a", f"a{n}", budget_key="tg:-100", key="album:5")
    await put("tg:topic:b", "b0", budget_key="tg:-100")
    await put("tg:topic:b", "b1", budget_key="tg:-100")
    async with running({"send": op}, budgets=slow_group(3, 0.3)):
        await until(all_done("z", "a0", "a1", "a2", "b0", "b1"))
    # the album needs the whole budget; the singles behind it wait instead of nibbling
    assert [run.names for run in op.runs] == [("z",), ("a0", "a1", "a2"), ("b0",), ("b1",)]
