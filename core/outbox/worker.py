"""The outbox worker: picks the next due items, within budgets, and sends them.

One loop task decides what to send; every send runs in its own task, at most
``concurrency`` at a time. The loop sleeps until ``wake()`` (a use case committed new
items, or a send finished), the next budget refill, the nearest ``not_before`` or the
end of a batch's settle time, whichever comes first; ``poll_interval`` only bounds the
sleep for items written by another process. It never spins: each pass either starts a
send or computes a moment strictly in the future to look again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from core.clock import Clock
from core.enums import DestinationKind
from core.leadership import HeldLease
from core.models import OutboxItem
from core.outages import is_service_outage
from core.outbox import claims, store
from core.outbox.batching import gather
from core.outbox.budgets import BudgetLedger, Budgets
from core.outbox.operations import Job, Operation
from core.outbox.outages import Outages
from core.outbox.outcomes import OutboxCounters, OutboxSettings, Outcomes
from core.outbox.shared_budgets import Grant, SharedBudgets, SharedLedger, Spent

__all__ = ["OutboxWorker"]

log = logging.getLogger("core.outbox")

# sleep a hair past a computed refill, so float rounding never wakes us a moment early
_MARGIN = 0.001
# how long an item whose preparation raised is left alone
_BROKEN_RETRY = 1.0
# another process holds the operator group's sends: look again after this long
_GROUP_BUSY = 0.1
# the first and the longest pause between scans while the database is out
_DATABASE_RETRY = (0.2, 5.0)


class OutboxWorker:
    """Sends outbox items: FIFO per destination, within budgets, oldest head first.

    ``operations`` maps each item's ``operation`` to the :class:`Operation` that performs
    it. Call :meth:`start` once the database is connected, :meth:`wake` after every
    commit that enqueued items, and :meth:`stop` on shutdown. ``shared`` keeps the
    budgets for every process of the desk together (none: this process's alone);
    ``group_turn`` says whether this process may send to the operator group now (several
    processes take turns there; none: always); ``liveness`` is this process's instance
    lease (several processes), which tells without a query that a claim is still its own.
    """

    def __init__(
        self,
        operations: Mapping[str, Operation],
        *,
        clock: Clock,
        budgets: Budgets | None = None,
        settings: OutboxSettings | None = None,
        rng: random.Random | None = None,
        shared: SharedBudgets | None = None,
        group_turn: Callable[[], Awaitable[bool]] | None = None,
        liveness: HeldLease | None = None,
    ) -> None:
        self._operations = dict(operations)
        self._clock = clock
        self.settings = settings or OutboxSettings()
        self.ledger = BudgetLedger(budgets or Budgets())
        self._budgets = SharedLedger(self.ledger, shared)
        # several processes: whether this one may send to the operator group right now
        self._group_turn = group_turn
        self.counters = OutboxCounters()
        #: what the worker found unreachable (the database, Telegram, VK) and since when
        self.outages = Outages(clock)
        self._outcomes = Outcomes(
            clock=clock,
            budgets=self._budgets,
            settings=self.settings,
            counters=self.counters,
            rng=rng or random.Random(),
            outages=self.outages,
            liveness=liveness,
        )
        # claimed items whose outcome could not be written, and claims whose answer was
        # lost (keyed by the claim's time): returned to their queue at the next scan, so
        # nothing waits for a restart
        self._stranded: set[int] = set()
        self._unanswered: dict[datetime, list[int]] = {}
        self._wakeup = asyncio.Event()
        self._busy: set[str] = set()  # destinations with a send in flight here
        self._running = 0
        self._sends: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def in_flight(self) -> int:
        """How many sends are running right now."""
        return self._running

    @property
    def budgets(self) -> SharedLedger:
        """The budgets this worker sends within (calls outside the outbox book them too)."""
        return self._budgets

    async def start(self) -> None:
        """Recover items a crash left in flight (unless configured not to), then run."""
        if self._loop_task is not None:
            raise RuntimeError("the outbox worker is already running")
        self._stopping = False
        if self.settings.recover_on_start:
            if self.settings.instance is None:
                recovered = await store.recover(self._clock.now())
            else:
                recovered = await store.recover_dead(self._clock.now())
            if recovered:
                log.warning(
                    "outbox: %d items were in flight at the last stop; resending", recovered
                )
        self._loop_task = asyncio.create_task(self._loop(), name="outbox-worker")

    def wake(self) -> None:
        """Look at the queue now (call after committing new items or releasing held ones)."""
        self._wakeup.set()

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; let the sends in flight finish (cancel them after ``grace`` seconds).

        A cancelled send leaves its items in flight; ``recover()`` resends them.
        """
        self._stopping = True
        self._wakeup.set()
        task, self._loop_task = self._loop_task, None
        if task is not None:
            await task
        if self._sends:
            _, pending = await asyncio.wait(set(self._sends), timeout=grace)
            for send in pending:
                send.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping:
            # cleared before the pass: a wake() during the pass makes the next wait return
            self._wakeup.clear()
            database = self.outages.database
            try:
                await self._return_stranded()
                delay = await self._pass()
            except Exception as exc:
                if is_service_outage(exc):
                    database.failed(exc)  # one WARNING per outage, not a traceback per scan
                    delay = database.backoff(*_DATABASE_RETRY)
                else:
                    log.exception("outbox: scanning the queue failed")
                    delay = max(1.0, self.settings.backoff_base)
            else:
                database.recovered()
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def _pass(self) -> float:
        """Start every send that may go now; return the seconds until the next look."""
        settings = self.settings
        look_again = self._clock.now().timestamp() + settings.poll_interval
        # budgets an older head is waiting for: younger heads may not take them first,
        # or a stream of single messages could keep an album waiting for ever
        reserved: set[str] = set()
        for queued in (await store.scan()).heads:
            head = queued.item
            if self._stopping or self._running >= settings.concurrency:
                break
            if head.destination in self._busy:
                continue
            try:
                due = await self._due(head, queued.depth, reserved)
                if due is not None and not isinstance(due, float):
                    await self._claim(*due)
            except Exception as exc:
                if is_service_outage(exc):
                    raise  # not this item's fault: the whole pass waits for the database
                # one broken item (an operation's batch_key or cost raising) must not
                # hold up every other destination: skip it and look again in a while
                log.exception("outbox: preparing item %s failed", head.id)
                due = self._clock.now().timestamp() + _BROKEN_RETRY
            if isinstance(due, float):
                look_again = min(look_again, due)
        delay = look_again - self._clock.now().timestamp()
        return max(delay, 0.0) + _MARGIN

    async def _due(
        self, head: OutboxItem, depth: int, reserved: set[str]
    ) -> float | tuple[Operation, list[OutboxItem], int, Grant] | None:
        """What to send for ``head``: (operation, rows, cost, grant), a time to look again, or None.

        ``depth`` is how many items its destination has queued (``head`` included).
        """
        now = self._clock.now()
        if head.not_before > now:
            return head.not_before.timestamp()
        operation = self._operations.get(head.operation)
        if operation is None:
            await self._unknown(head)
            return None
        kind = DestinationKind(head.destination_kind)
        if not reserved.isdisjoint(self.ledger.window_names(kind, head.budget_key)):
            return None  # an older head goes first; its own timer covers this one
        if kind is DestinationKind.TELEGRAM_GROUP and self._group_turn is not None:
            if not await self._group_turn():
                return now.timestamp() + _GROUP_BUSY  # another process is sending there
        verdict = self.ledger.check(kind, head.budget_key, 1, now.timestamp())
        if verdict.blocking:
            reserved.update(verdict.blocking)
            return verdict.ready_at
        rows, settled_at = await gather(head, depth, operation, now)
        if settled_at is not None:
            return settled_at.timestamp()
        cost = operation.cost([Job.of(row) for row in rows])
        verdict = self.ledger.check(kind, head.budget_key, cost, self._clock.now().timestamp())
        if verdict.blocking:
            reserved.update(verdict.blocking)
            return verdict.ready_at
        # last, as it spends: the other processes' sends count against the same limits
        grant = await self._budgets.take(kind, head.budget_key, cost, self._clock.now().timestamp())
        if not grant.granted:
            reserved.update(grant.blocking)
            return grant.ready_at
        return operation, rows, cost, grant

    async def _claim(
        self, operation: Operation, rows: Sequence[OutboxItem], cost: int, grant: Grant
    ) -> None:
        head = rows[0]
        kind = DestinationKind(head.destination_kind)
        claimed_at, since = self._clock.now(), time.monotonic()
        try:
            claimed = await store.claim(rows, claimed_at, self.settings.instance)
        except Exception as exc:
            if is_service_outage(exc):
                # the claim may have committed before the connection dropped
                self._unanswered.setdefault(claimed_at, []).extend(int(row.id) for row in rows)
            raise
        if claimed is None:
            # superseded or taken by another instance (the next pass sees why): unspend
            await self._budgets.give_back(kind, head.budget_key, cost, grant)
            return
        spent = self._budgets.spend(
            kind, head.budget_key, cost, self._clock.now().timestamp(), grant
        )
        self._busy.add(head.destination)
        self._running += 1
        jobs = [Job.of(row) for row in claimed]
        sending = self._send(operation, jobs, spent, since)
        task = asyncio.create_task(sending, name=f"outbox:{head.destination}")
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _send(
        self, operation: Operation, jobs: Sequence[Job], spent: Spent, since: float
    ) -> None:
        try:
            await self._outcomes.send(operation, jobs, claimed=since)
        except Exception:
            # the outcome could not be written: the items go back to their queue at the
            # next scan (sent again at worst, as after a crash) instead of staying in flight
            log.exception("outbox: recording the outcome for %s failed", jobs[0].destination)
            self._stranded.update(job.id for job in jobs)
        finally:
            try:  # counted where it landed before anything may be sent after it
                await self._budgets.landed(spent, self._clock.now().timestamp())
            finally:
                self._busy.discard(jobs[0].destination)
                self._running -= 1
                self.wake()

    async def _return_stranded(self) -> None:
        """Queue again what an outage left in flight with no send running for it."""
        by = self.settings.instance
        for claimed_at, ids in list(self._unanswered.items()):
            await claims.unclaim(ids, self._clock.now(), by=by, claimed_at=claimed_at)
            del self._unanswered[claimed_at]
        if not self._stranded:
            return
        ids = sorted(self._stranded)
        returned = await claims.unclaim(ids, self._clock.now(), by=by)
        self._stranded.difference_update(ids)
        if returned:
            log.warning("outbox: %d items with no recorded outcome are queued again", returned)

    async def _unknown(self, head: OutboxItem) -> None:
        by = self.settings.instance
        if await store.claim([head], self._clock.now(), by) is None:
            return  # another process took it (and fails it the same way)
        log.error("outbox: no operation %r registered; item %s fails", head.operation, head.id)
        await claims.mark_failed(
            [int(head.id)],
            error=f"unknown operation {head.operation!r}",
            now=self._clock.now(),
            by=by,
        )
        self.counters.failed += 1
        self.wake()  # the item behind it is the new head, unseen by this pass
