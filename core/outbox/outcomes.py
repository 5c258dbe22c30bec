"""What happens after a send: the done mark, a pause, a retry with backoff, or failure."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.budgets import BudgetLedger
from core.clock import Clock
from core.errors import DeliveryError, NotModified, PermanentError, RetryLater, TransientError
from core.metrics import SENDS, observe_delivered
from core.outbox import store
from core.outbox.attempt import Attempt
from core.outbox.operations import Completion, FailureAction, FailureDecision, Job, Operation

__all__ = ["OutboxCounters", "OutboxSettings", "Outcomes"]

log = logging.getLogger("core.outbox")


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """How the worker behaves; the budgets are configured separately (``Budgets``).

    * ``concurrency`` — sends in flight at once (over all destinations);
    * ``max_attempts`` — transient failures before an item takes the failure path;
    * ``backoff_base``/``backoff_max`` — seconds of the first and the longest backoff
      (doubling per attempt, with jitter);
    * ``poll_interval`` — the longest the worker sleeps with nothing due: a safety net
      for items written by another process, which cannot call ``wake()``;
    * ``record_attempts`` — tries at committing the done mark (with the operation's
      completion) before giving the items up;
    * ``recover_on_start`` — run ``recover()`` in ``start()`` (one instance per database).
    """

    concurrency: int = 16
    max_attempts: int = 20
    backoff_base: float = 0.5
    backoff_max: float = 300.0
    poll_interval: float = 5.0
    record_attempts: int = 3
    recover_on_start: bool = True


@dataclass(slots=True)
class OutboxCounters:
    """What the worker has done since it was built (for benchmarks, tests and metrics)."""

    sent: int = 0  # items delivered (an unchanged edit counts)
    runs: int = 0  # calls of Operation.run
    batches: int = 0  # runs that carried more than one item
    merged: int = 0  # items that travelled behind the first item of a batch
    retried: int = 0  # items put back after a transient error
    rate_limited: int = 0  # RetryLater answers (the chat was paused)
    failed: int = 0  # items ended as failed
    held: int = 0  # items held until their destination is released

    def snapshot(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)

    def __setattr__(self, name: str, value: int) -> None:
        # Each outcome counted here is counted in the process metrics too: one hook in this
        # place, rather than a second line beside every path that records an outcome.
        if name in _OUTCOMES:
            grown = value - getattr(self, name, value)
            if grown > 0:
                SENDS.labels(name).inc(grown)
        object.__setattr__(self, name, value)


#: the counters that are outcomes of a send (``botdesk_sends{outcome=…}``)
_OUTCOMES = frozenset({"sent", "rate_limited", "retried", "held", "failed"})


def describe(error: BaseException) -> str:
    """The text stored in ``last_error``."""
    return f"{type(error).__name__}: {error}"


class Outcomes:
    """Runs one claimed batch through its operation and records the result."""

    def __init__(
        self,
        *,
        clock: Clock,
        ledger: BudgetLedger,
        settings: OutboxSettings,
        counters: OutboxCounters,
        rng: random.Random,
    ) -> None:
        self._clock = clock
        self._ledger = ledger
        self._settings = settings
        self.counters = counters
        self._rng = rng

    def backoff(self, attempts: int) -> timedelta:
        """The pause before the next try after ``attempts`` transient failures."""
        settings = self._settings
        delay = min(settings.backoff_max, settings.backoff_base * 2 ** min(attempts - 1, 40))
        # jitter spreads the retries of many items that failed together (a network
        # outage) so they do not all come back in the same instant
        return timedelta(seconds=delay * (0.5 + 0.5 * self._rng.random()))

    async def send(self, operation: Operation, jobs: Sequence[Job]) -> None:
        """Run ``operation`` for ``jobs`` (claimed, in flight) and record the outcome."""
        counters = self.counters
        counters.runs += 1
        if len(jobs) > 1:
            counters.batches += 1
            counters.merged += len(jobs) - 1
        # adapters see the attempt while it sends and until its outcome is recorded
        with Attempt() as attempt:
            await self._run(operation, jobs, attempt)

    async def _run(self, operation: Operation, jobs: Sequence[Job], attempt: Attempt) -> None:
        try:
            completion = await operation.run(jobs)
        except NotModified:
            completion = None
        except RetryLater as exc:
            await self._retry_later(jobs, exc)
            return
        except PermanentError as exc:
            await self._give_up(operation, jobs, exc, count_attempt=False)
            return
        except TransientError as exc:
            await self._retry(operation, jobs, exc)
            return
        except Exception as exc:
            # a bug or an untranslated error must not kill the worker: it is logged with
            # its traceback and retried like a network error
            log.exception("outbox: %s to %s raised", jobs[0].operation, jobs[0].destination)
            await self._retry(operation, jobs, TransientError(describe(exc)), describe(exc))
            return
        await self._record_sent(jobs, completion, attempt)

    async def _record_sent(
        self, jobs: Sequence[Job], completion: Completion | None, attempt: Attempt
    ) -> None:
        # Nothing may come between the send and this commit: it is the window in which a
        # crash makes the outbox send the item again.
        ids = [job.id for job in jobs]
        attempts = self._settings.record_attempts
        for tries in range(1, attempts + 1):
            try:
                async with in_transaction() as connection:
                    await store.mark_done(ids, self._clock.now(), connection)
                    if completion is not None:
                        await completion(connection)
                    await attempt.done(connection)
            except Exception:
                log.exception(
                    "outbox: recording items %s as sent failed (%d/%d)", ids, tries, attempts
                )
                if tries < attempts:
                    await asyncio.sleep(self.backoff(tries).total_seconds())
            else:
                attempt.recorded_done = True
                self.counters.sent += len(jobs)
                observe_delivered((job.created_at for job in jobs), self._clock.now())
                return
        # The messenger has the message already: sending it again would show it twice,
        # so the items end visibly instead.
        await store.mark_failed(
            ids, error="sent, but recording the result failed", now=self._clock.now()
        )
        self.counters.failed += len(jobs)

    async def _retry_later(self, jobs: Sequence[Job], exc: RetryLater) -> None:
        now = self._clock.now()
        until = now + timedelta(seconds=max(0.0, exc.seconds))
        # the flood limit is the chat's, so every queue spending this budget pauses
        self._ledger.pause(jobs[0].budget_key, until.timestamp())
        self.counters.rate_limited += 1
        log.info("outbox: %s paused for %.1f s (%s)", jobs[0].budget_key, exc.seconds, exc)
        await store.reschedule(
            [job.id for job in jobs],
            not_before=until,
            now=now,
            error=describe(exc),
            count_attempt=False,
        )

    async def _retry(
        self,
        operation: Operation,
        jobs: Sequence[Job],
        exc: DeliveryError,
        reason: str | None = None,
    ) -> None:
        attempts = max(job.attempts for job in jobs) + 1
        if attempts >= self._settings.max_attempts:
            await self._give_up(operation, jobs, exc, count_attempt=True)
            return
        now = self._clock.now()
        await store.reschedule(
            [job.id for job in jobs],
            not_before=now + self.backoff(attempts),
            now=now,
            error=reason or describe(exc),
            count_attempt=True,
        )
        self.counters.retried += len(jobs)

    async def _give_up(
        self,
        operation: Operation,
        jobs: Sequence[Job],
        error: DeliveryError,
        *,
        count_attempt: bool,
    ) -> None:
        try:
            decision = await operation.on_failure(jobs, error)
        except Exception:
            log.exception("outbox: on_failure of %s raised; failing the items", jobs[0].operation)
            decision = FailureDecision.fail()
        ids = [job.id for job in jobs]
        reason = describe(error)
        try:
            await self._record_failure(ids, decision, reason, count_attempt)
        except Exception:
            # the operation's completion is broken: still end the items, without it
            log.exception(
                "outbox: recording the failure of %s failed; retrying without completion", ids
            )
            bare = FailureDecision(decision.action, recheck=decision.recheck)
            await self._record_failure(ids, bare, reason, count_attempt)
        if decision.action is FailureAction.HOLD:
            self.counters.held += len(jobs)
            log.info("outbox: %s held (%s)", jobs[0].destination, reason)
        else:
            self.counters.failed += len(jobs)
            log.warning("outbox: items %s to %s failed (%s)", ids, jobs[0].destination, reason)

    async def _record_failure(
        self, ids: list[int], decision: FailureDecision, reason: str, count_attempt: bool
    ) -> None:
        async with in_transaction() as connection:
            now = self._clock.now()
            if decision.action is FailureAction.HOLD:
                recheck = decision.recheck
                await store.reschedule(
                    ids,
                    not_before=store.HELD_UNTIL if recheck is None else now + recheck,
                    now=now,
                    error=reason,
                    count_attempt=count_attempt,
                    connection=connection,
                )
            else:
                await store.mark_failed(
                    ids, error=reason, now=now, count_attempt=count_attempt, connection=connection
                )
            if decision.completion is not None:
                await decision.completion(connection)
