"""How the worker answers the domain errors an operation raises."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import DestinationKind, OutboxStatus
from core.errors import (
    NotModified,
    RecipientUnavailable,
    RetryLater,
    TopicGone,
    TransientError,
)
from core.models import OutboxItem
from core.outbox import (
    HELD_PREFIX,
    FailureDecision,
    OutboxSettings,
    enqueue,
    release_held,
)
from tests.core.outbox.test_outbox_support import (
    CLOCK,
    FAST,
    Recorder,
    all_done,
    put,
    running,
    until,
)


async def item(name: str) -> OutboxItem:
    for row in await OutboxItem.all():
        if row.payload["n"] == name:
            return row
    raise AssertionError(f"no item {name}")


async def test_retry_later_pauses_the_whole_chat(db: str) -> None:
    # a pause long next to a send, so a busy machine can't blur "goes on" and "waits"
    op = Recorder(errors={"a1": [RetryLater(1.0)]})
    await put("tg:topic:a", "a1", budget_key="tg:-100")
    async with running({"send": op}) as worker:
        await until(lambda: worker.counters.rate_limited == 1)
        limited_at = op.runs[0].finished
        await put("tg:topic:b", "b1", budget_key="tg:-100")  # same group, other topic
        await put("tg:private:9", "c1", budget_key="tg:9")  # another chat
        worker.wake()
        await until(all_done("a1", "b1", "c1"))
    runs = {run.names[0]: run.started for run in op.runs[1:]}
    assert runs["c1"] - limited_at < 0.8  # other chats go on
    assert runs["a1"] - limited_at >= 0.99
    assert runs["b1"] - limited_at >= 0.99
    assert (await item("a1")).attempts == 0  # a flood wait is not a failed attempt


async def test_transient_errors_back_off_then_succeed(db: str) -> None:
    op = Recorder(errors={"x": [TransientError("timeout"), TransientError("502")]})
    await put("a", "x")
    await put("a", "y")
    async with running({"send": op}) as worker:
        await until(all_done("x", "y"))
        assert worker.counters.retried == 2
    assert op.sent() == ["x", "x", "x", "y"]  # the queue waited for its head
    gaps = [
        later.started - earlier.finished
        for earlier, later in zip(op.runs[:2], op.runs[1:3], strict=True)
    ]
    assert all(gap >= 0.009 for gap in gaps)  # at least half the 0.02 s base backoff
    row = await item("x")
    # the second failure came while Telegram was still down: an outage spends no attempt
    assert row.attempts == 1
    assert row.last_error == "TransientError: 502"


async def test_an_unexpected_exception_is_logged_and_retried(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    op = Recorder(errors={"x": [ValueError("a bug")]})
    await put("a", "x")
    with caplog.at_level(logging.ERROR, logger="core.outbox"):
        async with running({"send": op}) as worker:
            await until(all_done("x"))
            assert worker.counters.retried == 1
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)  # with its traceback
    assert (await item("x")).last_error == "ValueError: a bug"


async def test_running_out_of_attempts_takes_the_failure_path(db: str) -> None:
    # "x" fails while other sends of its kind succeed: its own trouble, not an outage
    op = Recorder(errors={"x": [TransientError(f"down {n}") for n in range(10)]}, delay=0.004)
    await put("a", "x")
    await put("a", "y")
    for n in range(150):
        await put("b", f"b{n}")
    settings = OutboxSettings(max_attempts=3, backoff_base=0.01, backoff_max=0.02)
    async with running({"send": op}, settings=settings) as worker:
        await until(all_done("y"))
        assert worker.counters.failed == 1
    row = await item("x")
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 3
    assert [name for name in op.sent() if name in "xy"][-2:] == ["x", "y"]
    assert [names for names, _ in op.failures] == [("x",)]


async def test_a_long_outage_spends_no_attempts_and_logs_twice(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram unreachable for ten tries in a row, more than max_attempts: nothing fails
    op = Recorder(errors={"x": [TransientError(f"down {n}") for n in range(10)]})
    await put("a", "x")
    await put("a", "y")
    settings = OutboxSettings(max_attempts=3, backoff_base=0.001, backoff_max=0.002)
    with caplog.at_level(logging.INFO, logger="core.outbox"):
        async with running({"send": op}, settings=settings) as worker:
            await until(all_done("x", "y"), within=20.0)
            assert worker.counters.failed == 0
    assert (await item("x")).attempts == 1
    assert op.sent().count("x") == 11
    outage = [r for r in caplog.records if "Telegram" in r.getMessage()]
    assert [r.levelno for r in outage] == [logging.WARNING, logging.INFO]
    assert "Telegram unreachable: TransientError: down 0; retrying" in outage[0].getMessage()
    assert "Telegram reachable again" in outage[1].getMessage()
    assert not [r for r in caplog.records if r.exc_info]


async def test_permanent_error_fails_the_item_and_the_queue_goes_on(db: str) -> None:
    op = Recorder(errors={"x": [TopicGone("message thread not found")]})
    await put("a", "x")
    await put("a", "y")
    async with running({"send": op}) as worker:
        await until(all_done("y"))
        assert worker.counters.failed == 1
    row = await item("x")
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 0
    assert row.last_error == "TopicGone: message thread not found"


async def test_not_modified_counts_as_sent(db: str) -> None:
    op = Recorder(errors={"edit": [NotModified("message is not modified")]})
    await put("a", "edit")
    async with running({"send": op}) as worker:
        await until(all_done("edit"))
        await until(lambda: worker.counters.sent >= 1)  # counted just after the commit
        assert worker.counters.sent == 1


async def notify_topic(connection: BaseDBAsyncClient) -> None:
    await enqueue(
        destination="tg:topic:1",
        kind=DestinationKind.TELEGRAM_GROUP,
        budget_key="tg:-100",
        operation="send",
        payload={"n": "notice"},
        now=CLOCK.now(),
        using_db=connection,
    )


async def test_hold_keeps_the_queue_until_it_is_released(db: str) -> None:
    blocked = RecipientUnavailable("bot was blocked by the user")
    op = Recorder(errors={"r1": [blocked]}, decision=FailureDecision.hold(notify_topic))
    await put("tg:private:5", "r1", kind=DestinationKind.TELEGRAM_PRIVATE)
    await put("tg:private:5", "r2", kind=DestinationKind.TELEGRAM_PRIVATE)
    async with running({"send": op}) as worker:
        await until(all_done("notice"))  # enqueued by the failure's completion
        assert worker.counters.held == 1
        row = await item("r1")
        assert row.status is OutboxStatus.PENDING
        # held, and probed again on the worker's schedule (FAST: the default 30 s)
        probe = row.not_before - CLOCK.now()
        assert timedelta(seconds=25) < probe <= timedelta(seconds=FAST.hold_recheck)
        assert row.last_error == HELD_PREFIX + "RecipientUnavailable: bot was blocked by the user"
        worker.wake()
        assert op.sent() == ["r1", "notice"]  # r2 waits behind the held item
        assert await release_held("tg:private:5", now=CLOCK.now()) == 1
        worker.wake()
        await until(all_done("r1", "r2"))
    assert op.sent() == ["r1", "notice", "r1", "r2"]


async def test_a_held_queue_with_a_recheck_is_tried_again_and_still_releasable(db: str) -> None:
    blocked = RecipientUnavailable("bot was blocked by the user")
    recheck = timedelta(minutes=10)
    op = Recorder(errors={"r1": [blocked]}, decision=FailureDecision.hold(recheck=recheck))
    await put("tg:private:6", "r1", kind=DestinationKind.TELEGRAM_PRIVATE)
    await put("tg:private:6", "r2", kind=DestinationKind.TELEGRAM_PRIVATE)
    async with running({"send": op}) as worker:
        await until(lambda: worker.counters.held == 1)
        row = await item("r1")
        # Not held for ever: the head is tried again after the recheck interval (an
        # unblock handled while the failing send was in flight is never waited for).
        wait = row.not_before - CLOCK.now()
        assert (
            row.status is OutboxStatus.PENDING and recheck - timedelta(seconds=5) < wait <= recheck
        )
        assert op.sent() == ["r1"]  # and r2 waits behind it meanwhile
        assert await release_held("tg:private:6", now=CLOCK.now()) == 1
        worker.wake()
        await until(all_done("r1", "r2"))
    assert op.sent() == ["r1", "r1", "r2"]


async def test_a_broken_failure_completion_still_ends_the_item(db: str) -> None:
    async def broken(connection: BaseDBAsyncClient) -> None:
        await notify_topic(connection)
        raise RuntimeError("the completion broke")

    op = Recorder(errors={"x": [TopicGone("gone")]}, decision=FailureDecision.fail(broken))
    await put("a", "x")
    async with running({"send": op}) as worker:
        await until(lambda: worker.counters.failed == 1)
    assert [row.payload["n"] for row in await OutboxItem.all()] == ["x"]  # notice rolled back
    assert (await item("x")).status is OutboxStatus.FAILED
