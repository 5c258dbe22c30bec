"""The worker: FIFO per destination, concurrency, wake-ups, budgets, recovery, shutdown."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import DestinationKind, OutboxStatus
from core.models import ChannelCursor, OutboxItem
from core.outbox import Completion, Job, OutboxSettings, recover
from core.outbox.budgets import Budgets, Rate
from tests.core.outbox.test_outbox_support import (
    CLOCK,
    FAST,
    ROOMY,
    Recorder,
    all_done,
    put,
    running,
    statuses,
    until,
)


async def test_fifo_per_destination_under_concurrency(db: str) -> None:
    rng = random.Random(7)
    op = Recorder(delay=lambda jobs: rng.uniform(0, 0.01))
    names = [f"{d}{n}" for n in range(8) for d in "abc"]
    for name in names:
        await put(name[0], name)
    async with running({"send": op}, settings=OutboxSettings(concurrency=4, poll_interval=30)):
        await until(all_done(*names))
    assert op.overlaps == 0
    for destination in "abc":
        order = [name for name in op.sent() if name[0] == destination]
        assert order == [f"{destination}{n}" for n in range(8)]
    assert 1 < op.peak <= 3


async def test_destinations_do_not_wait_for_each_other(db: str) -> None:
    op = Recorder(delay=lambda jobs: 0.3 if jobs[0].payload["n"] == "a1" else 0.0)
    await put("a", "a1")
    await put("a", "a2")
    for n in range(3):
        await put("b", f"b{n}")
    async with running({"send": op}) as worker:
        await until(all_done("b0", "b1", "b2"))
        a1 = next(run for run in op.runs if run.names == ("a1",))
        assert a1.finished == 0.0  # the slow send is still on
        assert "a2" not in op.sent()  # and the rest of its queue waits behind it
        await until(all_done("a1", "a2"))
        # the count follows the done mark's commit, which another connection may see first
        await until(lambda: worker.counters.sent >= 5)
        assert worker.counters.sent == 5


async def test_concurrency_is_bounded(db: str) -> None:
    op = Recorder(delay=0.05)
    for n in range(6):
        await put(f"d{n}", f"x{n}")
    settings = OutboxSettings(concurrency=2, poll_interval=30)
    async with running({"send": op}, settings=settings):
        await until(all_done(*(f"x{n}" for n in range(6))))
    assert op.peak == 2


async def test_wake_sends_a_new_item_at_once_without_polling(db: str) -> None:
    op = Recorder()
    async with running({"send": op}) as worker:  # polls only every 30 s
        await asyncio.sleep(0.05)  # the worker is asleep on an empty queue
        await put("tg:topic:1", "quiet")
        await asyncio.sleep(0.2)
        assert op.runs == []  # nobody told it
        started = time.monotonic()
        await put("tg:topic:1", "hello")
        worker.wake()
        await until(lambda: len(op.runs) == 2, within=1.0)
        assert op.runs[0].started - started < 0.5
        assert op.sent() == ["quiet", "hello"]


async def test_stop_lets_sends_in_flight_finish(db: str) -> None:
    op = Recorder(delay=0.2)
    await put("a", "slow")
    worker = running({"send": op})
    async with worker as started_worker:
        await until(lambda: len(op.runs) == 1)
        await put("b", "late")
        await started_worker.stop()
        assert op.runs[0].finished > 0
        assert await statuses() == {"slow": OutboxStatus.DONE, "late": OutboxStatus.PENDING}
        assert started_worker.in_flight == 0
        started_worker.wake()
        await asyncio.sleep(0.05)
        assert op.sent() == ["slow"]


async def test_items_left_in_flight_by_a_crash_are_sent_after_recover(db: str) -> None:
    op = Recorder()
    crashed = await put("a", "crashed")
    await put("a", "behind")
    await OutboxItem.filter(id=crashed.id).update(status=OutboxStatus.IN_FLIGHT)
    no_recovery = OutboxSettings(recover_on_start=False, poll_interval=30)
    async with running({"send": op}, settings=no_recovery) as worker:
        worker.wake()
        await asyncio.sleep(0.1)
        assert op.runs == []  # the destination waits for its item in flight
        assert await recover(CLOCK.now()) == 1
        worker.wake()
        await until(all_done("crashed", "behind"))
    assert op.sent() == ["crashed", "behind"]


async def test_start_recovers_by_default(db: str) -> None:
    op = Recorder()
    crashed = await put("a", "crashed")
    await OutboxItem.filter(id=crashed.id).update(status=OutboxStatus.IN_FLIGHT)
    async with running({"send": op}):
        await until(all_done("crashed"))


def remember(value: str) -> Completion:
    async def complete(connection: BaseDBAsyncClient) -> None:
        await ChannelCursor.create(name=value, value="shown", using_db=connection)

    return complete


def remember_then_break(value: str) -> Completion:
    async def complete(connection: BaseDBAsyncClient) -> None:
        await ChannelCursor.create(name=value, value="shown", using_db=connection)
        raise RuntimeError("the completion broke")

    return complete


async def test_completion_commits_with_the_done_mark(db: str) -> None:
    def completion(jobs: Sequence[Job]) -> Completion:
        name = jobs[0].payload["n"]
        return remember_then_break(name) if name == "broken" else remember(name)

    op = Recorder(completion=completion)
    await put("a", "fine")
    await put("b", "broken")
    async with running({"send": op}) as worker:
        await until(lambda: worker.counters.sent + worker.counters.failed == 2)
    assert await ChannelCursor.filter(name="fine").exists()
    assert not await ChannelCursor.filter(name="broken").exists()  # rolled back …
    current = await statuses()
    assert current["fine"] is OutboxStatus.DONE
    assert current["broken"] is OutboxStatus.FAILED  # … with the done mark, never resent
    assert op.sent() == ["fine", "broken"]


def send_times(op: Recorder) -> list[float]:
    return sorted(run.started for run in op.runs)


def most_in_any_window(times: list[float], seconds: float) -> int:
    # the sends are timed where they start, a moment after the claim that spent the
    # budget; the slack absorbs that scheduling jitter
    window = seconds - 0.03
    return max(sum(1 for t in times if at - window < t <= at) for at in times)


async def test_group_budget_is_shared_by_topics_and_served_oldest_first(db: str) -> None:
    op = Recorder()
    names = [f"{topic}{n}" for n in range(4) for topic in "abc"]
    for name in names:
        await put(f"tg:topic:{name[0]}", name, budget_key="tg:-100")
    budgets = Budgets(telegram_group=Rate(4, 0.3), telegram_channel=Rate(1000, 1.0))
    async with running({"send": op}, budgets=budgets):
        await until(all_done(*names))
    times = send_times(op)
    assert most_in_any_window(times, 0.3) <= 4
    assert times[-1] - times[0] >= 0.55  # twelve sends at four per 0.3 s: three windows
    order = op.sent()
    for end in range(1, len(order) + 1):  # no topic runs ahead of the others
        counts = [sum(1 for name in order[:end] if name[0] == topic) for topic in "abc"]
        assert max(counts) - min(counts) <= 1, order


async def test_channel_budget_caps_all_private_chats_together(db: str) -> None:
    op = Recorder()
    names = [f"{chat}{n}" for n in range(2) for chat in "abcde"]
    for name in names:
        await put(f"tg:private:{name[0]}", name, kind=DestinationKind.TELEGRAM_PRIVATE)
    budgets = Budgets(telegram_private=Rate(1, 0.3), telegram_channel=Rate(3, 0.3))
    async with running({"send": op}, budgets=budgets) as worker:
        await until(all_done(*names))
        await until(lambda: worker.counters.sent >= 10)  # counted just after the commit
        assert worker.counters.sent == 10
    times = send_times(op)
    assert most_in_any_window(times, 0.3) <= 3
    for chat in "abcde":
        chat_times = sorted(run.started for run in op.runs if run.destination.endswith(chat))
        assert most_in_any_window(chat_times, 0.3) <= 1


async def test_unknown_operation_fails_without_stopping_the_worker(db: str) -> None:
    op = Recorder()
    await put("a", "lost", operation="nobody")
    await put("a", "fine")
    async with running({"send": op}, settings=FAST, budgets=ROOMY) as worker:
        await until(all_done("fine"))
        assert worker.counters.failed == 1
    lost = await OutboxItem.get(status=OutboxStatus.FAILED)
    assert lost.last_error == "unknown operation 'nobody'"


class BrokenKey(Recorder):
    """Its batch_key raises for one item, as a bug in an operation would."""

    def batch_key(self, job: Job) -> str | None:
        if job.payload["n"] == "bad":
            raise KeyError("album")
        return None


async def test_a_broken_item_does_not_hold_up_other_destinations(db: str) -> None:
    op = BrokenKey()
    await put("a", "bad")
    await put("b", "good")
    async with running({"send": op}) as worker:
        await until(all_done("good"))
        await until(lambda: worker.counters.sent >= 1)  # counted just after the commit
        assert worker.counters.sent == 1
    assert (await statuses())["bad"] is OutboxStatus.PENDING
