"""What happens after a send: the done mark, a pause, a retry with backoff, or failure."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.clock import Clock
from core.enums import DestinationKind
from core.errors import (
    ClaimLost,
    DeliveryError,
    NotModified,
    PermanentError,
    RetryLater,
    TransientError,
)
from core.leadership import HeldLease
from core.metrics import observe_delivered
from core.outages import OutageLog, is_service_outage
from core.outbox import claims
from core.outbox.attempt import Attempt
from core.outbox.failures import GiveUp
from core.outbox.operations import (
    Completion,
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
        liveness: HeldLease | None = None,
    ) -> None:
        self._clock = clock
        # this process's instance lease: held without a gap since a claim, the claim is
        # still ours without asking the database
        self._liveness = liveness
        self._budgets = budgets
        self._settings = settings
        self.counters = counters
        self._rng = rng
        self.outages = outages or Outages(clock)
        # this process's name in its claims (None: the only process, claims unnamed)
        self._by = settings.instance
        self._give_up = GiveUp(
            clock=clock, settings=settings, counters=counters, outages=self.outages
        )

    def backoff(self, attempts: int) -> timedelta:
        """The pause before the next try after ``attempts`` transient failures."""
        settings = self._settings
        delay = min(settings.backoff_max, settings.backoff_base * 2 ** min(attempts - 1, 40))
        # jitter spreads the retries of many items that failed together (a network
        # outage) so they do not all come back in the same instant
        return timedelta(seconds=delay * (0.5 + 0.5 * self._rng.random()))

    def _service(self, jobs: Sequence[Job]) -> OutageLog:
        return self.outages[SERVICES.get(jobs[0].kind, str(jobs[0].kind))]

    async def send(
        self, operation: Operation, jobs: Sequence[Job], *, claimed: float | None = None
    ) -> None:
        """Run ``operation`` for ``jobs`` (claimed, in flight) and record the outcome.

        ``claimed`` is the monotonic moment of the claim, when the caller knows it.
        """
        counters = self.counters
        counters.runs += 1
        if len(jobs) > 1:
            counters.batches += 1
            counters.merged += len(jobs) - 1
        # adapters see the attempt while it sends and until its outcome is recorded
        with Attempt(confirm=self._confirmer(jobs, claimed)) as attempt:
            try:
                await attempt.confirm()
            except ClaimLost as exc:
                await self._let_go(jobs, exc)
                return
            await self._run(operation, jobs, attempt)

    def _confirmer(
        self, jobs: Sequence[Job], claimed: float | None
    ) -> Callable[[], Awaitable[bool]] | None:
        """How an attempt checks that its items are still this process's (one process:
        they always are). While this process's instance lease has been held without a
        gap since the claim nobody can have taken the items: no query is needed."""
        by = self._by
        if by is None:
            return None
        ids = [job.id for job in jobs]
        lease = self._liveness

        async def confirm() -> bool:
            if lease is not None and claimed is not None and lease.held_throughout(claimed):
                return True
            return await claims.confirm(ids, by)

        return confirm

    async def _let_go(self, jobs: Sequence[Job], exc: ClaimLost) -> None:
        """Drop a send this process may no longer make: the items stay with whoever has
        them now, or go back to their queue if they are still claimed by this one."""
        ids = [job.id for job in jobs]
        returned = await self.outages.persist(
            lambda: claims.unclaim(ids, self._clock.now(), by=self._by)
        )
        log.warning(
            "outbox: %s to %s dropped here (%s); %s",
            jobs[0].operation,
            jobs[0].destination,
            exc,
            "queued again" if returned else "another process has it",
        )

    async def _run(self, operation: Operation, jobs: Sequence[Job], attempt: Attempt) -> None:
        service = self._service(jobs)
        try:
            completion = await operation.run(jobs)
        except NotModified:
            completion = None
        except ClaimLost as exc:
            await self._let_go(jobs, exc)
            return
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
            await claims.reschedule(
                [job.id for job in jobs],
                not_before=now + timedelta(seconds=delay),
                now=now,
                error=describe(exc),
                count_attempt=False,
                by=self._by,
            )

        await self.outages.persist(write)

    async def _record_sent(
        self, jobs: Sequence[Job], completion: Completion | None, attempt: Attempt
    ) -> None:
        # Nothing may come between the send and this commit: it is the window in which a
        # crash makes the outbox send the item again.
        ids = [job.id for job in jobs]
        attempts = self._settings.record_attempts
        hooks = True

        async def write() -> None:
            async with in_transaction() as connection:
                marked = await claims.mark_done(ids, self._clock.now(), connection, by=self._by)
                if marked < len(ids):
                    raise claims.Taken  # rolls the completion back: it is another process's now
                if completion is not None:
                    await completion(connection)
                if hooks:
                    await attempt.done(connection)

        # a database outage is waited out (persist); other errors get a few tries
        for tries in range(1, attempts + 1):
            try:
                await self.outages.persist(write)
            except claims.Taken:
                log.warning("outbox: items %s were sent here but passed to another process", ids)
                return
            except ClaimLost as exc:
                # this process's turn at the group ended after the send: the message is
                # there, only the send journal's bookkeeping is no longer ours to write
                log.warning("outbox: items %s sent; %s", ids, exc)
                hooks = False
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
        await claims.mark_failed(
            ids, error="sent, but recording the result failed", now=self._clock.now(), by=self._by
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
            await claims.reschedule(
                [job.id for job in jobs],
                not_before=until,
                now=self._clock.now(),
                error=describe(exc),
                count_attempt=False,
                by=self._by,
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
            await claims.reschedule(
                [job.id for job in jobs],
                not_before=now + pause,
                now=now,
                error=reason or describe(exc),
                count_attempt=True,
                by=self._by,
            )

        await self.outages.persist(write)
        self.counters.retried += len(jobs)
