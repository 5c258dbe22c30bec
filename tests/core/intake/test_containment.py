"""One update can never stop the desk: retried, set aside, or waited for during an outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from core.enums import Channel
from core.intake.containment import Outcome, RetryPolicy, contain
from core.intake.dead_letters import Letter, drop, find, mark_replayed, recent, set_aside, summary
from core.metrics import DEAD_LETTERS
from core.models import DeadLetter
from core.outages import OutageLog

FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05)
RATE = {
    "update_id": 700,
    "callback_query": {"id": "9", "from": {"id": 42}, "data": "choice:rate:1:"},
}
LETTER = Letter(Channel.TELEGRAM, "700", RATE)


def failing(
    errors: list[BaseException], stop_at: tuple[int, asyncio.Event] | None = None
) -> tuple[Callable[[], object], list[int]]:
    """Work that raises ``errors`` one per call, then succeeds; and its call count.

    With ``stop_at=(n, stop)`` the n-th call sets ``stop`` (someone stops the desk).
    """
    calls: list[int] = []

    async def work() -> None:
        calls.append(1)
        if stop_at is not None and len(calls) == stop_at[0]:
            stop_at[1].set()
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]

    return work, calls


def outage_log() -> OutageLog:
    return OutageLog("test updates", logging.getLogger("test.containment"))


def dead_letters_counted(channel: str) -> float:
    return DEAD_LETTERS.labels(channel=channel)._value.get()


async def test_a_failure_that_goes_away_is_retried_quietly(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    work, calls = failing([ValueError("flaky"), ValueError("flaky")])
    with caplog.at_level(logging.DEBUG):
        outcome = await contain(work, LETTER, asyncio.Event(), outage=outage_log(), policy=FAST)
    assert outcome is Outcome.HANDLED
    assert len(calls) == 3
    assert await DeadLetter.all().count() == 0
    retries = [r for r in caplog.records if r.name == "core.intake.containment"]
    assert [r.levelname for r in retries] == ["WARNING", "WARNING"]
    assert all(r.exc_info is None for r in retries)  # no traceback per retry


async def test_a_poison_update_is_set_aside_logged_once_and_counted(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = dead_letters_counted("telegram")
    work, calls = failing([ValueError("invalid literal for int() with base 10: ''")] * 10)
    with caplog.at_level(logging.DEBUG):
        outcome = await contain(work, LETTER, asyncio.Event(), outage=outage_log(), policy=FAST)
    assert outcome is Outcome.SET_ASIDE
    assert len(calls) == 3
    [letter] = await recent()
    assert (letter.channel, letter.update_id, letter.payload) == (Channel.TELEGRAM, "700", RATE)
    assert letter.error == "ValueError: invalid literal for int() with base 10: ''"
    assert letter.attempts == 3 and not letter.replayed
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert f"dead letter #{letter.id}" in errors[0].getMessage()
    assert dead_letters_counted("telegram") == before + 1


async def test_an_outage_is_waited_out_without_a_dead_letter(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    work, calls = failing([ConnectionRefusedError(111, "Connect call failed")] * 6)
    with caplog.at_level(logging.DEBUG, logger="test.containment"):
        outcome = await contain(work, LETTER, asyncio.Event(), outage=outage_log(), policy=FAST)
    assert outcome is Outcome.HANDLED
    assert len(calls) == 7  # more than the attempts a poison update gets
    assert await DeadLetter.all().count() == 0
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]


async def test_stopped_during_an_outage_nothing_is_acknowledged(db: str) -> None:
    stop = asyncio.Event()
    work, calls = failing([ConnectionResetError("reset by peer")] * 10_000, stop_at=(5, stop))
    outcome = await asyncio.wait_for(
        contain(work, LETTER, stop, outage=outage_log(), policy=FAST), timeout=10
    )
    assert outcome is None and len(calls) == 5
    assert await DeadLetter.all().count() == 0


async def test_an_impatient_caller_gets_the_outage_to_answer_try_again(db: str) -> None:
    work, _ = failing([ConnectionRefusedError(111, "Connect call failed")])
    with pytest.raises(ConnectionRefusedError):
        await contain(work, LETTER, asyncio.Event(), outage=outage_log(), patient=False)


async def test_without_a_database_the_poison_update_stays_unacknowledged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # No database connected: the dead letter cannot be stored, so nothing may be confirmed.
    stop = asyncio.Event()

    class StoppedAfterTenTries(OutageLog):
        def failed(self, error: BaseException) -> None:
            super().failed(error)
            if self.failures == 10:
                stop.set()

    outage = StoppedAfterTenTries("test updates", logging.getLogger("test.containment"))
    work, calls = failing([ValueError("bad")] * 10_000)
    with caplog.at_level(logging.DEBUG):
        outcome = await asyncio.wait_for(
            contain(work, LETTER, stop, outage=outage, policy=FAST), timeout=10
        )
    assert outcome is None and len(calls) > 3  # tried afresh after each pause
    outage_lines = [r.levelname for r in caplog.records if r.name == "test.containment"]
    assert outage_lines == ["WARNING"]  # one, however many tries
    retries = [r for r in caplog.records if r.name == "core.intake.containment"]
    assert [r.levelname for r in retries if r.levelno >= logging.WARNING] == ["WARNING"] * 2


async def test_a_redelivered_update_keeps_one_letter(db: str) -> None:
    first = await set_aside(LETTER, "ValueError: bad", 3)
    again = await set_aside(LETTER, "ValueError: still bad", 3)
    assert first == again
    stored = await find(first)
    assert stored is not None
    assert (stored.error, stored.attempts) == ("ValueError: still bad", 6)


async def test_replayed_and_dropped_letters(db: str) -> None:
    first = await set_aside(LETTER, "ValueError: bad", 3)
    vk = Letter(Channel.VK, "ev1", {"type": "message_new", "object": {"message": {"x": 1}}})
    second = await set_aside(vk, "KeyError: 'peer_id'", 3)
    await mark_replayed(first)
    assert [(letter.id, letter.replayed) for letter in await recent()] == [
        (second, False),
        (first, True),
    ]
    assert await drop(second)
    assert not await drop(second)
    assert await find(second) is None


def test_summaries_name_the_kind_the_sender_and_the_text() -> None:
    assert summary(LETTER) == "button 'choice:rate:1:' from 42"
    message = {"update_id": 1, "message": {"from": {"id": 7}, "text": "hello\nthere"}}
    assert summary(Letter(Channel.TELEGRAM, "1", message)) == "message from 7: 'hello there'"
    assert summary(Letter(Channel.TELEGRAM, "2", {"update_id": 2})) == "empty update"
    assert len(summary(Letter(Channel.TELEGRAM, "3", {"message": {"text": "x" * 500}}))) < 80
    vk = {"type": "message_new", "object": {"message": {"from_id": 5, "text": "hi"}}}
    assert summary(Letter(Channel.VK, "e", vk)) == "message_new from 5: 'hi'"
    assert summary(Letter(Channel.VK, "e", {"type": 5, "object": "junk"})) == "5"
