"""When firing goes wrong: a raising handler, an unknown kind, an outage."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from core.clock import FrozenClock
from core.models import Deadline
from core.timers.scheduler import Retry, Scheduler
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

RETRY = Retry(max_attempts=3, base=1.0, ceiling=60.0)


def always(error: BaseException):  # type: ignore[no-untyped-def]
    return lambda call: error


async def test_a_failing_handler_is_retried_with_backoff_then_given_up(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(T0)
    handler = Recorder(fail={"bad": always(ValueError("no such ticket"))})
    scheduler = Scheduler({"note": handler}, clock=clock, retry=RETRY)
    await put("bad", T0)
    await put("good", T0)
    with caplog.at_level(logging.WARNING, logger="core.timers"):
        assert await scheduler.tick() == 1  # good fired, bad failed once
        bad = await Deadline.get(key="bad")
        assert (bad.attempts, bad.fired_at) == (1, None)
        assert bad.last_error == "ValueError: no such ticket"
        assert bad.due_at == T0 + timedelta(seconds=1)  # its next try
        assert await scheduler.tick() == 0  # not before then
        clock.advance(seconds=1)
        await scheduler.tick()
        assert (await Deadline.get(key="bad")).attempts == 2
        clock.advance(seconds=1)
        await scheduler.tick()  # the doubled pause: 2 s after the second try
        assert (await Deadline.get(key="bad")).attempts == 2
        clock.advance(seconds=1)
        await scheduler.tick()
    bad = await Deadline.get(key="bad")
    assert bad.attempts == 3 and bad.fired_at == T0 + timedelta(seconds=3)
    assert handler.calls == {"good": 1, "bad": 3}
    # what the failing handler wrote was rolled back each time; the other's work stayed
    assert await effects() == {"good": 1}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "bad" in errors[0].getMessage()
    assert scheduler.stats.fired == 1 and scheduler.stats.given_up == 1
    clock.advance(days=1)
    assert await scheduler.tick() == 0  # given up is final


async def test_a_handler_that_fails_once_fires_on_its_retry(db: str) -> None:
    clock = FrozenClock(T0)
    handler = Recorder(fail={"flaky": lambda call: RuntimeError("boom") if call == 1 else None})
    scheduler = Scheduler({"note": handler}, clock=clock, retry=RETRY)
    await put("flaky", T0)
    assert await scheduler.tick() == 0
    clock.advance(seconds=1)
    assert await scheduler.tick() == 1
    row = await Deadline.get(key="flaky")
    assert row.attempts == 1 and row.fired_at is not None
    assert await effects() == {"flaky": 1}


async def test_the_loop_retries_a_failed_deadline_by_itself(db: str) -> None:
    handler = Recorder(fail={"flaky": lambda call: KeyError("x") if call < 3 else None})
    retry = Retry(max_attempts=5, base=0.05, ceiling=0.2)
    await put("flaky", soon(-1))
    async with running({"note": handler}, retry=retry) as scheduler:
        await until(lambda: scheduler.stats.fired == 1, within=3.0)
    assert handler.calls == {"flaky": 3}
    assert await effects() == {"flaky": 1}


async def test_an_unknown_kind_is_dropped_with_one_error_and_the_rest_fire(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder()
    await put("mystery", soon(-2), kind="digest_v9")
    await put("known", soon(-1))
    with caplog.at_level(logging.ERROR, logger="core.timers"):
        async with running({"note": handler}) as scheduler:
            await until(lambda: scheduler.stats.fired == 1)
            assert scheduler.stats.given_up == 1
    row = await Deadline.get(key="mystery")
    assert row.fired_at is not None and row.last_error == "unknown kind 'digest_v9'"
    assert await fired_keys() == {"mystery", "known"}
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "digest_v9" in errors[0]


async def test_an_outage_spends_no_attempt_and_the_deadline_fires_once_it_is_over(
    db: str,
) -> None:
    clock = FrozenClock(T0)
    lost = ConnectionResetError("connection reset by peer")
    handler = Recorder(fail={"sla": lambda call: lost if call <= 2 else None})
    scheduler = Scheduler({"note": handler}, clock=clock, retry=RETRY)
    await put("sla", T0)
    await put("other", T0 + timedelta(seconds=1))
    clock.advance(seconds=2)
    for _ in range(2):
        with pytest.raises(ConnectionResetError):
            await scheduler.tick()
        row = await Deadline.get(key="sla")
        assert (row.attempts, row.fired_at, row.due_at) == (0, None, T0)
    assert await effects() == {}  # nothing of the abandoned batch committed
    assert await scheduler.tick() == 2
    assert await effects() == {"sla": 1, "other": 1}


async def test_the_loop_waits_an_outage_out(db: str) -> None:
    lost = ConnectionRefusedError("connection refused")
    handler = Recorder(fail={"sla": lambda call: lost if call <= 2 else None})
    await put("sla", soon(-1))
    async with running({"note": handler}) as scheduler:
        await until(lambda: scheduler.stats.fired == 1, within=3.0)
    row = await Deadline.get(key="sla")
    assert row.attempts == 0 and row.last_error is None
    assert handler.calls == {"sla": 3}
