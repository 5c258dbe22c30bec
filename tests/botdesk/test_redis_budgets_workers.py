"""Two outbox workers on one database, as two botdesk processes, sharing budgets in Redis.

Each worker has its own ledger and its own Redis client; together they must keep the
group's rate, which each alone would keep only for its own sends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from botdesk.redis_budgets import RedisBudgets
from core.clock import SystemClock
from core.enums import OutboxStatus
from core.errors import RetryLater
from core.models import OutboxItem
from core.outbox import Job, OutboxWorker
from core.outbox.budgets import Budgets, Rate
from tests.core.outbox.test_outbox_support import FAST, Recorder, all_done, put, until

pytestmark = pytest.mark.redis

GROUP = Budgets(telegram_group=Rate(5, 0.5), telegram_channel=Rate(1000, 1.0))
# both start at once on items already queued: neither may resend what the other claimed
TWO = dataclasses.replace(FAST, recover_on_start=False, poll_interval=0.2)


def most_in_any_window(times: list[float], seconds: float) -> int:
    # the sends are timed where they start, a moment after the claim that spent the
    # budget; the slack absorbs that scheduling jitter
    window = seconds - 0.03
    return max(sum(1 for t in times if at - window < t <= at) for at in times)


def two_workers(
    redis_url: str, prefix: str, ops: tuple[Recorder, Recorder], budgets: Budgets = GROUP
) -> list[tuple[OutboxWorker, RedisBudgets]]:
    """Two workers, each with budgets shared through a Redis client of its own."""
    built = []
    for op in ops:
        shared = RedisBudgets(Redis.from_url(redis_url), prefix=f"{prefix}:")
        worker = OutboxWorker(
            {"send": op}, clock=SystemClock(), budgets=budgets, settings=TWO, shared=shared
        )
        built.append((worker, shared))
    return built


async def stop(built: list[tuple[OutboxWorker, RedisBudgets]]) -> None:
    """Stop the workers and close their clients."""
    for worker, shared in built:
        await worker.stop(grace=5.0)
        await shared.close()


async def test_two_workers_together_keep_the_group_rate(
    db: str, redis_url: str, redis_prefix: str
) -> None:
    names = [f"{topic}{n}" for n in range(5) for topic in "abcd"]
    for name in names:
        await put(f"tg:topic:{name[0]}", name, budget_key="tg:-100")
    ops = (Recorder(delay=0.01), Recorder(delay=0.01))
    built = two_workers(redis_url, redis_prefix, ops)
    try:
        for worker, _ in built:
            await worker.start()
        await until(all_done(*names), within=15.0)
    finally:
        await stop(built)
    runs = ops[0].runs + ops[1].runs
    assert sorted(name for run in runs for name in run.names) == sorted(names)  # once each
    times = sorted(run.started for run in runs)
    assert most_in_any_window(times, 0.5) <= 5
    assert times[-1] - times[0] >= 1.5  # twenty sends at five per half second: four windows
    for topic in "abcd":  # FIFO per topic holds across the two processes too
        order = sorted((run.started, run.names[0]) for run in runs if run.names[0][0] == topic)
        assert [name for _, name in order] == [f"{topic}{n}" for n in range(5)]


async def test_a_429_in_one_worker_pauses_the_group_in_the_other(
    db: str, redis_url: str, redis_prefix: str
) -> None:
    first, second = Recorder(errors={"a0": [RetryLater(0.6)]}), Recorder()
    await put("tg:topic:a", "a0", budget_key="tg:-100")
    built = two_workers(redis_url, redis_prefix, (first, second))
    try:
        worker, _ = built[0]
        await worker.start()
        await until(lambda: worker.counters.rate_limited == 1)
        other, _ = built[1]
        await other.start()
        await put("tg:topic:b", "b0", budget_key="tg:-100")
        other.wake()
        await until(all_done("a0", "b0"), within=5.0)
    finally:
        await stop(built)
    paused_at = first.runs[0].started
    later = [run.started for run in first.runs[1:] + second.runs]
    assert len(later) == 2
    assert min(later) - paused_at >= 0.55  # b0 waited for the pause a0's 429 set
    assert await OutboxItem.filter(status=OutboxStatus.DONE).count() == 2


def slow_a0(jobs: Sequence[Job]) -> float:
    """``a0`` takes 0.4 s (its request delayed on the way); the rest none."""
    return 0.4 if jobs[0].payload["n"] == "a0" else 0.0


async def test_a_slow_send_of_one_worker_holds_the_others_next_send_after_it_landed(
    db: str, redis_url: str, redis_prefix: str
) -> None:
    budgets = Budgets(telegram_group=Rate(1, 1.0), telegram_channel=Rate(1000, 1.0))
    ops = (Recorder(delay=slow_a0), Recorder(delay=slow_a0))
    built = two_workers(redis_url, redis_prefix, ops, budgets=budgets)
    (first, _), (second, _) = built
    try:
        await put("tg:topic:a", "a0", budget_key="tg:-100")
        await first.start()
        await until(all_done("a0"))
        await first.stop(grace=5.0)  # its send, and the send's restamp, are over
        await put("tg:topic:b", "b0", budget_key="tg:-100")
        await second.start()  # it knows of a0 only through Redis
        await until(all_done("b0"), within=5.0)
    finally:
        await stop(built)
    (slow,), (after,) = ops[0].runs, ops[1].runs
    # a window after a0 was answered (less 0.05 s of slack), not after its claim
    assert after.started - slow.finished >= 0.95
