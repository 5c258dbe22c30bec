"""What happens after a send: the done mark, a pause, a retry with backoff, or failure."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.clock import Clock
from core.enums import DestinationKind
from core.errors import DeliveryError, NotModified, PermanentError, RetryLater, TransientError
from core.metrics import observe_delivered
from core.outages import OutageLog, is_service_outage
from core.outbox import store
from core.outbox.attempt import Attempt
from core.outbox.operations import (
    Completion,
    FailureAction,
    FailureDecision,
    Job,
    Operation,
    and_resumed,
)
from core.outbox.outages import Outages
from core.outbox.settings import OutboxCounters, OutboxSettings, describe
from core.outbox.shared_budgets import SharedLedger

__all__ = ["OutboxCounters", "OutboxSettings", "Outcomes", "describe"]

log = logging.getLogger("core.outbox")

#: the service behind each destination kind: one outage (and one pair of log lines) each
SERVICES = {
    DestinationKind.TELEGRAM_PRIVATE: "Telegram",
    DestinationKind.TELEGRAM_GROUP: "Telegram",
    DestinationKind.VK: "VK",
}
# a network outage is retried at most this far apart, so the desk notices the end soon
_OUTAGE_RETRY_MAX = 30.0


class Outcomes:
    """Runs one claimed batch through its operation and records the result."""

    def __init__(
        self,
        *,
        clock: Clock,
        budgets: SharedLedger,
        settings: OutboxSettings,
        counters: OutboxCounters,
        rng: random.Random,
        outages: Outages | None = None,
    ) -> None:
        self._clock = clock
        self._budgets = budgets
        self._settings = settings
        self.counters = counters
        self._rng = rng
        self.outages = outages or Outages(clock)

    def backoff(self, attempts: int) -> timedelta:
        """The pause before the next try after ``attempts`` transient failures."""
        settings = self._settings
        delay = min(settings.backoff_max, settings.backoff_base * 2 ** min(attempts - 1, 40))
        # jitter spreads the retries of many items that failed together (a network
        # outage) so they do not all come back in the same instant
        return timedelta(seconds=delay * (0.5 + 0.5 * self._rng.random()))

    def _service(self, jobs: Sequence[Job]) -> OutageLog:
        return self.outages[SERVICES.get(jobs[0].kind, str(jobs[0].kind))]

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
        service = self._service(jobs)
        try:
            completion = await operation.run(jobs)
        except NotModified:
            completion = None
        except RetryLater as exc:
            service.recovered()  # it answered, if only to say "slow down"
            await self._retry_later(jobs, exc)
            return
        except PermanentError as exc:
            service.recovered()
            await self._give_up(operation, jobs, exc, count_attempt=False)
            return
        except TransientError as exc:
            await self._unreachable(operation, jobs, exc, service)
            return
        except Exception as exc:
            if is_service_outage(exc):
                # the operation's own reads or writes met the outage: try again later,
                # without spending an attempt on something the item did not cause
                self.outages.database.failed(exc)
                await self._put_back(jobs, exc, self.outages.database)
                return
            # a bug or an untranslated error must not kill the worker: it is logged with
            # its traceback and retried like a network error
            log.exception("outbox: %s to %s raised", jobs[0].operation, jobs[0].destination)
            await self._retry(operation, jobs, TransientError(describe(exc)), describe(exc))
            return
        service.recovered()
        if any(job.held for job in jobs):
            completion = and_resumed(operation, jobs, completion)
        await self._record_sent(jobs, completion, attempt)

    async def _unreachable(
        self, operation: Operation, jobs: Sequence[Job], exc: TransientError, service: OutageLog
    ) -> None:
        """A network error or a 5xx: an outage of the service, or this item's own trouble.

        While the service is down (no send of its kind has succeeded since an earlier
        failure) the items wait without spending attempts: a long outage must not fail
        them. A failure while the service works for others counts as usual.
        """
        if service.ongoing:
            service.failed(exc)
            await self._put_back(jobs, exc, service)
            return
        service.failed(exc)
        await self._retry(operation, jobs, exc)

    async def _put_back(self, jobs: Sequence[Job], exc: BaseException, outage: OutageLog) -> None:
        """Return the items to their queue, due after the outage's backoff; no attempt spent."""
        jitter = 0.5 + 0.5 * self._rng.random()
        delay = outage.backoff(self._settings.backoff_base, _OUTAGE_RETRY_MAX) * jitter
        self.counters.retried += len(jobs)

        async def write() -> None:
            now = self._clock.now()
            await store.reschedule(
                [job.id for job in jobs],
                not_before=now + timedelta(seconds=delay),
                now=now,
                error=describe(exc),
                count_attempt=False,
            )

        await self.outages.persist(write)

    async def _record_sent(
        self, jobs: Sequence[Job], completion: Completion | None, attempt: Attempt
    ) -> None:
        # Nothing may come between the send and this commit: it is the window in which a
        # crash makes the outbox send the item again.
        ids = [job.id for job in jobs]
        attempts = self._settings.record_attempts

        async def write() -> None:
            async with in_transaction() as connection:
                await store.mark_done(ids, self._clock.now(), connection)
                if completion is not None:
                    await completion(connection)
                await attempt.done(connection)

        # a database outage is waited out (persist); other errors get a few tries
        for tries in range(1, attempts + 1):
            try:
                await self.outages.persist(write)
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
        # the flood limit is the chat's: every queue spending it pauses, in every process
        await self._budgets.pause(jobs[0].budget_key, until.timestamp(), now.timestamp())
        self.counters.rate_limited += 1
        log.info("outbox: %s paused for %.1f s (%s)", jobs[0].budget_key, exc.seconds, exc)

        async def write() -> None:
            await store.reschedule(
                [job.id for job in jobs],
                not_before=until,
                now=self._clock.now(),
                error=describe(exc),
                count_attempt=False,
            )

        await self.outages.persist(write)

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
        pause = self.backoff(attempts)

        async def write() -> None:
            now = self._clock.now()
            await store.reschedule(
                [job.id for job in jobs],
                not_before=now + pause,
                now=now,
                error=reason or describe(exc),
                count_attempt=True,
            )

        await self.outages.persist(write)
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
        if decision.action is FailureAction.HOLD:
            reason = store.HELD_PREFIX + reason
            if decision.recheck is None:
                decision = FailureDecision(
                    decision.action, decision.completion, self._probe_after(jobs)
                )
        try:
            await self.outages.persist(
                lambda: self._record_failure(ids, decision, reason, count_attempt)
            )
        except Exception:
            # the operation's completion is broken: still end the items, without it
            log.exception(
                "outbox: recording the failure of %s failed; retrying without completion", ids
            )
            bare = FailureDecision(decision.action, recheck=decision.recheck)
            await self.outages.persist(
                lambda: self._record_failure(ids, bare, reason, count_attempt)
            )
        if decision.action is FailureAction.HOLD:
            self.counters.held += len(jobs)
            log.info("outbox: %s held (%s)", jobs[0].destination, reason)
        else:
            self.counters.failed += len(jobs)
            log.warning("outbox: items %s to %s failed (%s)", ids, jobs[0].destination, reason)

    def _probe_after(self, jobs: Sequence[Job]) -> timedelta:
        held_for = self._clock.now() - min(job.created_at for job in jobs)
        return self._settings.probe_after(held_for)

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
