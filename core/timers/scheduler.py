"""The scheduler: one loop that sleeps until the nearest deadline and fires what is due.

Deadlines live in the database (:mod:`core.timers.deadlines`), so nothing is lost by a
restart: what fell due while the desk was down is due at the first tick and fires once.
The loop sleeps until the nearest unfired deadline; whoever stores a nearer one calls
:meth:`Scheduler.wake` after the commit (the use cases do, through ``ctx.wake``), and
``max_sleep`` only bounds the sleep for deadlines written by another process. It never
polls in a tight loop: each pass either fires something or sleeps until a moment in the
future. Claiming and firing are in :mod:`core.timers.firing`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.connection import get_connection

from core.clock import Clock
from core.db import CONNECTION_NAME
from core.metrics import DEADLINE_FAILURES, DEADLINE_LATENESS, DEADLINES_FIRED
from core.outages import OutageLog, is_outage
from core.timers.deadlines import nearest
from core.timers.firing import Batch, Handler, Retry, fire_batch

__all__ = ["DEFAULT_MAX_SLEEP", "Handler", "Retry", "Scheduler", "SchedulerStats"]

log = logging.getLogger("core.timers")

#: the longest sleep by default: deadlines written by another process are seen by then
DEFAULT_MAX_SLEEP = 300.0
# sleep a hair past a due time, so rounding never wakes the loop a moment early
_MARGIN = 0.002
# rows due but locked by another instance: look again after this long, not at once
_CONTENDED = 1.0
# the first and the longest pause between tries while the database is out
_OUTAGE_RETRY = (0.2, 5.0)
# after an unexpected error in the loop itself (a bug): wait before the next pass
_BROKEN_RETRY = 5.0


def _nothing() -> None:
    return None


@dataclass(slots=True)
class SchedulerStats:
    """What a scheduler did since it was built (for tests, benchmarks and logs)."""

    ticks: int = 0  # passes that looked for due deadlines
    fired: int = 0
    failed: int = 0  # handler failures that will be retried
    given_up: int = 0
    #: the lateness (seconds from due time to commit) of the latest fired deadlines
    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))


class Scheduler:
    """Fires stored deadlines with the handler registered for their ``kind``.

    ``handlers`` maps a deadline's kind to its :data:`Handler`. ``on_fired`` is called
    after every batch that fired something has committed (the app passes the outbox
    worker's wake, so the notices written go out at once). ``batch`` is how many due
    deadlines one transaction claims; ``max_sleep`` (seconds) bounds a sleep so that
    deadlines another process stored without waking this one are seen in time.
    """

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        clock: Clock,
        on_fired: Callable[[], None] = _nothing,
        batch: int = 50,
        max_sleep: float = DEFAULT_MAX_SLEEP,
        retry: Retry | None = None,
    ) -> None:
        if batch < 1 or max_sleep <= 0:
            raise ValueError("batch must be at least 1 and max_sleep positive")
        self._handlers = dict(handlers)
        self._clock = clock
        self._on_fired = on_fired
        self._batch = batch
        self._max_sleep = max_sleep
        self._retry = retry or Retry()
        self.stats = SchedulerStats()
        self._database = OutageLog("deadlines", log, clock=clock)
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # the moment the last claim looked for due rows: one due by then and still
        # unfired is held by another instance, one due since is simply next
        self._claimed_at: datetime | None = None

    async def start(self) -> None:
        """Start the loop; its first pass fires whatever fell due while the desk was down."""
        if self._task is not None:
            raise RuntimeError("the scheduler is already running")
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the loop: the batch in progress may finish within ``grace`` seconds.

        A batch cut short is rolled back (nothing of it committed) and fires at the next
        start, exactly as after a crash.
        """
        self._stopping = True
        self._wakeup.set()
        task, self._task = self._task, None
        if task is None:
            return
        _, pending = await asyncio.wait({task}, timeout=grace)
        if pending:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def wake(self) -> None:
        """Look at the nearest deadline again (call after committing a new or moved one).

        Cheap and synchronous; wakes coalesce. Safe from another thread too.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            self._wakeup.set()  # not started: the first pass looks anyway
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wakeup.set()
        else:
            loop.call_soon_threadsafe(self._wakeup.set)

    async def tick(self) -> int:
        """Fire every deadline due now, batch after batch; return how many fired.

        Outages and handler errors are dealt with as the loop does; what the database's
        absence prevented stays due for the next tick.
        """
        self.stats.ticks += 1
        fired = 0
        while not self._stopping:
            self._claimed_at = now = self._clock.now()
            batch = await fire_batch(self._handlers, now, limit=self._batch, retry=self._retry)
            self._record(batch)
            fired += len(batch.fired)
            if batch.fired or batch.given_up:
                self._on_fired()
            if batch.claimed < self._batch:
                break
        return fired

    async def _run(self) -> None:
        while not self._stopping:
            # cleared before the pass: a wake() during the pass makes the next wait return
            self._wakeup.clear()
            try:
                await self.tick()
                delay = await self._delay()
            except Exception as exc:
                if is_outage(exc):
                    self._database.failed(exc)  # one WARNING per outage
                    delay = self._database.backoff(*_OUTAGE_RETRY)
                else:
                    log.exception("scheduler: a pass failed")
                    delay = _BROKEN_RETRY
            else:
                self._database.recovered()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=min(delay, self._max_sleep))
            except TimeoutError:
                pass

    async def _delay(self) -> float:
        """Seconds until the nearest unfired deadline (``max_sleep`` when there is none)."""
        due = await nearest(get_connection(CONNECTION_NAME))
        if due is None:
            return self._max_sleep
        if self._claimed_at is not None and due <= self._claimed_at:
            # due when the tick looked, yet not fired: another instance is firing it
            return _CONTENDED
        delay = (due - self._clock.now()).total_seconds()
        return max(delay, 0.0) + _MARGIN

    def _record(self, batch: Batch) -> None:
        """Count a committed batch in the stats and the metrics."""
        stats = self.stats
        stats.fired += len(batch.fired)
        stats.failed += batch.failed
        stats.given_up += batch.given_up
        if batch.failed or batch.given_up:
            DEADLINE_FAILURES.inc(batch.failed + batch.given_up)
        committed = self._clock.now()
        for kind, due_at in batch.fired:
            lateness = max(0.0, (committed - due_at).total_seconds())
            stats.lateness.append(lateness)
            DEADLINE_LATENESS.observe(lateness)
            DEADLINES_FIRED.labels(kind=kind).inc()
