"""Giving up on items: the operation decides (fail them, or hold their queue), then the
outcome is written, if the items are still this process's."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.clock import Clock
from core.errors import DeliveryError
from core.outbox import claims, store
from core.outbox.operations import FailureAction, FailureDecision, Job, Operation
from core.outbox.outages import Outages
from core.outbox.settings import OutboxCounters, OutboxSettings, describe

__all__ = ["GiveUp"]

log = logging.getLogger("core.outbox")


class GiveUp:
    """Ends a batch that will not be sent: failed, or held until its cause is fixed."""

    def __init__(
        self,
        *,
        clock: Clock,
        settings: OutboxSettings,
        counters: OutboxCounters,
        outages: Outages,
    ) -> None:
        self._clock = clock
        self._settings = settings
        self._counters = counters
        self._outages = outages

    async def __call__(
        self,
        operation: Operation,
        jobs: Sequence[Job],
        error: DeliveryError,
        *,
        count_attempt: bool,
    ) -> None:
        """Ask ``operation`` what to do about ``error`` and record it for ``jobs``."""
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
            await self._outages.persist(
                lambda: self._record_failure(ids, decision, reason, count_attempt)
            )
        except claims.Taken:
            log.warning("outbox: items %s failed here but passed to another process", ids)
            return
        except Exception:
            # the operation's completion is broken: still end the items, without it
            log.exception(
                "outbox: recording the failure of %s failed; retrying without completion", ids
            )
            bare = FailureDecision(decision.action, recheck=decision.recheck)
            await self._outages.persist(
                lambda: self._record_failure(ids, bare, reason, count_attempt)
            )
        if decision.action is FailureAction.HOLD:
            self._counters.held += len(jobs)
            log.info("outbox: %s held (%s)", jobs[0].destination, reason)
        else:
            self._counters.failed += len(jobs)
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
                ended = await claims.reschedule(
                    ids,
                    not_before=store.HELD_UNTIL if recheck is None else now + recheck,
                    now=now,
                    error=reason,
                    count_attempt=count_attempt,
                    by=self._settings.instance,
                    connection=connection,
                )
            else:
                ended = await claims.mark_failed(
                    ids,
                    error=reason,
                    now=now,
                    count_attempt=count_attempt,
                    by=self._settings.instance,
                    connection=connection,
                )
            if ended < len(ids):
                raise claims.Taken  # another process has the items: its outcome counts, not ours
            if decision.completion is not None:
                await decision.completion(connection)
