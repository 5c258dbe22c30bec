"""Handling one update so that it can never stop the desk: retries, outages, dead letters.

Every loop that takes updates in (Telegram polling and webhook, VK long poll and
Callback API) hands each update to :func:`contain`, which

* runs the handling; success ends it;
* on an outage (:func:`core.outages.is_outage`: the database, Redis or a messenger
  is unreachable) waits with capped backoff and tries again, as long as it takes,
  without acknowledging anything (the update is fine; there is nowhere to put a dead
  letter anyway), logging the outage once through an :class:`~core.outages.OutageLog`;
* on any other failure retries a few times with doubling pauses (a WARNING line each,
  no traceback), then sets the update aside as a dead letter, logs the error once at
  ERROR with its traceback, counts it, and reports :attr:`Outcome.SET_ASIDE` so the
  caller acknowledges it and moves on. If even storing the letter fails, that is an
  outage as well (one the failures may have been due to): the update stays
  unacknowledged, and after a pause it is tried afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from core.errors import RetryLater
from core.intake.dead_letters import Letter, set_aside, summary
from core.metrics import DEAD_LETTERS
from core.outages import OutageLog, describe, is_outage
from core.stopping import sleep_or_stop

__all__ = ["Outcome", "RetryPolicy", "contain"]

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before an update is set aside.

    ``attempts`` tries in all, the first pause ``first_delay`` seconds, doubling each
    time; during an outage the pauses double up to ``max_delay`` seconds and never end.
    """

    attempts: int = 3
    first_delay: float = 0.5
    max_delay: float = 30.0


class Outcome(StrEnum):
    """How :func:`contain` ended; both mean "acknowledge the update"."""

    HANDLED = "handled"
    SET_ASIDE = "set_aside"


def _pause(error: BaseException, delay: float) -> float:
    """The backoff delay, or longer when a messenger named its own wait (a rate limit)."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, RetryLater):
            return max(delay, current.seconds)
        current = current.__cause__ or current.__context__
    return delay


@dataclass
class _Attempts:
    """The state of one :func:`contain` call."""

    policy: RetryPolicy
    failures: int = 0
    delay: float = 0.0
    outage_delay: float = 0.0

    def __post_init__(self) -> None:
        self.delay = self.outage_delay = self.policy.first_delay

    def next_delay(self) -> float:
        delay, self.delay = self.delay, self.delay * 2
        return delay

    def next_outage_delay(self) -> float:
        delay = self.outage_delay
        self.outage_delay = min(self.outage_delay * 2, self.policy.max_delay)
        return delay


async def contain(
    work: Work,
    letter: Letter,
    stop: asyncio.Event,
    *,
    outage: OutageLog,
    policy: RetryPolicy | None = None,
    also: tuple[type[BaseException], ...] = (),
    patient: bool = True,
) -> Outcome | None:
    """Run ``work`` for ``letter``'s update until it is handled or set aside.

    Returns None if ``stop`` was set first (the update stays unacknowledged). With
    ``patient=False`` (a webhook, whose sender will come back by itself) an outage is
    not waited out: its exception is raised for the caller to answer "try again".
    ``also`` adds outage types only the caller's SDK knows (see :func:`is_outage`).
    """
    state = _Attempts(policy or RetryPolicy())
    while not stop.is_set():
        try:
            await work()
        except Exception as error:
            if is_outage(error, also):
                if not patient:
                    raise
                outage.failed(error)
                await sleep_or_stop(_pause(error, state.next_outage_delay()), stop)
                continue
            state.failures += 1
            if state.failures < state.policy.attempts:
                await _retry_later(letter, error, state, outage, stop)
                continue
            if await _set_aside(letter, error, state, outage, stop, patient=patient):
                return Outcome.SET_ASIDE
            # Nowhere to put the letter: whatever is down may have caused the failure
            # too, so once the pause is over the update is tried afresh.
            state.failures, state.delay = 0, state.policy.first_delay
            continue
        outage.recovered()
        return Outcome.HANDLED
    return None


async def _retry_later(
    letter: Letter, error: Exception, state: _Attempts, outage: OutageLog, stop: asyncio.Event
) -> None:
    """Pause before the next attempt; a WARNING, unless an outage has been reported."""
    pause = state.next_delay()
    # During an outage each round of attempts would repeat itself in the log.
    level = logging.DEBUG if outage.ongoing else logging.WARNING
    log.log(
        level,
        "%s update %s failed (%s); attempt %d of %d, again in %.1fs",
        letter.channel,
        letter.update_id,
        describe(error).splitlines()[0],
        state.failures,
        state.policy.attempts,
        pause,
    )
    await sleep_or_stop(pause, stop)


async def _set_aside(
    letter: Letter,
    error: Exception,
    state: _Attempts,
    outage: OutageLog,
    stop: asyncio.Event,
    *,
    patient: bool,
) -> bool:
    """Store the dead letter, log and count it; False if it could not be stored."""
    try:
        letter_id = await set_aside(letter, describe(error), state.failures)
    except Exception as store_error:
        if not patient:
            raise store_error from error
        # An outage as far as this update is concerned: it stays unacknowledged.
        outage.failed(store_error)
        await sleep_or_stop(state.next_outage_delay(), stop)
        return False
    outage.recovered()
    DEAD_LETTERS.labels(channel=str(letter.channel)).inc()
    log.error(
        "%s update %s (%s) set aside as dead letter #%d after %d attempts: %s; "
        "see `botdesk dead-letters`",
        letter.channel,
        letter.update_id,
        summary(letter),
        letter_id,
        state.failures,
        describe(error).splitlines()[0],  # the whole of it is in the traceback below
        exc_info=error,
    )
    return True
