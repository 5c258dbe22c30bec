"""A process paused past its leases changes nothing: its claims went to another process.

Process ``a`` claims an item and stops renewing its ``instance:a`` lease (paused); ``b``
returns the item to its queue and claims it. When ``a`` goes on, every outcome it would
write (done, retry, failure) changes nothing, its attempt is not run, and an adapter
asking the attempt again after a wait of its own learns the same.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest

from core.enums import OutboxStatus
from core.errors import ClaimLost, TransientError
from core.leases import INSTANCE, take
from core.models import Lease, OutboxItem
from core.outbox import Job, claims, store
from core.outbox.attempt import current_attempt
from core.outbox.budgets import BudgetLedger
from core.outbox.outcomes import OutboxCounters, Outcomes
from core.outbox.shared_budgets import SharedLedger
from tests.core.outbox.test_outbox_support import CLOCK, FAST, ROOMY, Recorder, put

TTL = 30.0


async def _alive(name: str) -> None:
    assert await take(INSTANCE + name, name, TTL) is not None


async def _pause(name: str) -> None:
    """``name`` stopped renewing: its lease ran out."""
    await Lease.filter(name=INSTANCE + name).update(expires_at=0)


async def _claimed_by_a() -> OutboxItem:
    """An item claimed by ``a``; ``a`` and ``b`` are alive."""
    await _alive("a")
    await _alive("b")
    item = await put("tg:-100", "x")
    assert await store.claim([item], CLOCK.now(), "a") is not None
    return item


async def _handed_over() -> OutboxItem:
    """An item claimed by ``a``, which was then paused; ``b`` holds it now."""
    item = await _claimed_by_a()
    await _pause("a")
    assert await store.recover_dead(CLOCK.now()) == 1
    assert await store.claim([item], CLOCK.now(), "b") is not None
    await _alive("a")  # awake again, renewing as if nothing happened
    return item


def _outcomes(by: str) -> Outcomes:
    return Outcomes(
        clock=CLOCK,
        budgets=SharedLedger(BudgetLedger(ROOMY)),
        settings=dataclasses.replace(FAST, instance=by),
        counters=OutboxCounters(),
        rng=random.Random(1),
    )


async def test_the_outcome_writes_of_a_lost_claim_change_nothing(db: str) -> None:
    item = await _handed_over()
    ids, now = [int(item.id)], CLOCK.now()
    assert not await claims.confirm(ids, "a")
    assert await claims.confirm(ids, "b")
    connection = OutboxItem._meta.db
    assert await claims.mark_done(ids, now, connection, by="a") == 0
    retry = now + timedelta(seconds=5)
    assert (
        await claims.reschedule(
            ids, not_before=retry, now=now, error="e", count_attempt=True, by="a"
        )
        == 0
    )
    assert await claims.mark_failed(ids, error="e", now=now, by="a") == 0
    assert await claims.unclaim(ids, now, by="a") == 0
    row = await OutboxItem.get(id=item.id)
    assert (row.status, row.claimed_by, row.attempts) == (OutboxStatus.IN_FLIGHT, "b", 0)
    assert await claims.mark_done(ids, now, connection, by="b") == 1
    assert (await OutboxItem.get(id=item.id)).status == OutboxStatus.DONE


async def test_a_claim_is_not_confirmed_once_its_process_lease_ran_out(db: str) -> None:
    """Past its lease nobody may have returned the items yet, but anyone may at once."""
    await _alive("a")
    item = await put("tg:-100", "x")
    assert await store.claim([item], CLOCK.now(), "a") is not None
    assert await claims.confirm([int(item.id)], "a")
    await _pause("a")
    assert not await claims.confirm([int(item.id)], "a")


async def test_a_paused_process_does_not_run_what_it_no_longer_holds(db: str) -> None:
    item = await _handed_over()
    op = Recorder()
    await _outcomes("a").send(op, [Job.of(item)])
    assert op.sent() == []
    row = await OutboxItem.get(id=item.id)
    assert (row.status, row.claimed_by) == (OutboxStatus.IN_FLIGHT, "b")


async def test_a_claim_lost_during_the_send_leaves_the_other_process_alone(db: str) -> None:
    """The adapter waited for its turn at the group; meanwhile ``b`` got the item."""
    item = await _claimed_by_a()
    seen: list[str] = []

    class WaitsForTheGroup(Recorder):
        async def run(self, jobs):  # type: ignore[no-untyped-def]
            await _pause("a")
            await store.recover_dead(CLOCK.now())
            await store.claim([item], CLOCK.now(), "b")
            attempt = current_attempt()
            assert attempt is not None
            try:
                await attempt.confirm()
            except ClaimLost:
                seen.append("lost")
                raise
            return await super().run(jobs)

    op = WaitsForTheGroup()
    await _outcomes("a").send(op, [Job.of(item)])
    assert seen == ["lost"] and op.sent() == []
    row = await OutboxItem.get(id=item.id)
    assert (row.status, row.claimed_by) == (OutboxStatus.IN_FLIGHT, "b")


@pytest.mark.parametrize("error", [None, TransientError("down")])
async def test_the_outcome_of_a_send_whose_claim_went_meanwhile_is_not_written(
    db: str, error: Exception | None
) -> None:
    """Paused in the middle of the send: the other process's outcome stands."""
    item = await _claimed_by_a()
    written: list[str] = []

    class PausedMidSend(Recorder):
        async def run(self, jobs):  # type: ignore[no-untyped-def]
            await _pause("a")
            await store.recover_dead(CLOCK.now())
            claimed = await store.claim([item], CLOCK.now(), "b")
            assert claimed is not None
            connection = OutboxItem._meta.db
            assert await claims.mark_done([int(item.id)], CLOCK.now(), connection, by="b") == 1
            if error is not None:
                raise error

            async def completion(connection):  # type: ignore[no-untyped-def]
                written.append("completion")

            return completion

    await _outcomes("a").send(PausedMidSend(), [Job.of(item)])
    row = await OutboxItem.get(id=item.id)
    assert (row.status, row.attempts) == (OutboxStatus.DONE, 0)
    assert written == []  # rolled back with the done mark that matched nothing


async def test_a_claim_lost_while_still_held_here_goes_back_to_its_queue(db: str) -> None:
    """The group's turn ended before the send (``LeaseLost`` is a ``ClaimLost``), but the
    item is still this process's: it is queued again, no attempt spent."""
    await _alive("a")
    item = await put("tg:-100", "x")
    assert await store.claim([item], CLOCK.now(), "a") is not None
    op = Recorder(errors={"x": [ClaimLost("the group's turn ended")]})
    await _outcomes("a").send(op, [Job.of(item)])
    row = await OutboxItem.get(id=item.id)
    assert (row.status, row.claimed_by, row.attempts) == (OutboxStatus.PENDING, None, 0)
