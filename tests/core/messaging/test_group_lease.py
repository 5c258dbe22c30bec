"""Several processes' sends to the operator group take turns under one fenced lease."""

from __future__ import annotations

import asyncio

import pytest

from core.leases import take
from core.messaging.group_lease import GroupLease, LeaseLost
from core.messaging.send_journal import SendJournal

CHAT = -100500


def _process(name: str, ttl: float = 5.0) -> tuple[SendJournal, GroupLease]:
    """One process's journal and lease, as botdesk.instances builds them."""
    lease: GroupLease

    def fence() -> tuple[str, str, int] | None:
        return lease.fence()

    journal = SendJournal(CHAT, fence=fence)
    lease = GroupLease(CHAT, name, ttl, reload=journal.load, idle=0.05)
    return journal, lease


async def test_sends_of_two_processes_never_overlap(db: str) -> None:
    processes = [_process("a"), _process("b")]
    for journal, _ in processes:
        await journal.load()
    inside: list[str] = []
    overlaps = 0

    async def send(name: str, lease: GroupLease) -> None:
        nonlocal overlaps
        await lease.acquire()
        try:
            lease.check()
            overlaps += bool(inside)
            inside.append(name)
            await asyncio.sleep(0.01)
            inside.remove(name)
        finally:
            lease.release()

    await asyncio.gather(
        *(
            send(name, lease)
            for _ in range(10)
            for name, (_, lease) in zip("ab", processes, strict=True)
        )
    )
    assert overlaps == 0
    for _, lease in processes:
        await lease.close()


async def test_the_next_holder_starts_from_the_journal_the_last_one_left(db: str) -> None:
    (journal_a, lease_a), (journal_b, lease_b) = _process("a"), _process("b")
    await journal_a.load()
    await journal_b.load()
    await lease_a.acquire()
    await journal_a.after_send([41], attempt=False)  # stored under a's lease
    lease_a.release()
    await asyncio.sleep(0.2)  # idle: a lets the lease go
    assert journal_b.state.known is None
    await lease_b.acquire()  # the lease passed to b: b reads what a left
    assert journal_b.state.known == 41
    lease_b.release()
    for lease in (lease_a, lease_b):
        await lease.close()


async def test_a_holder_that_lost_the_lease_neither_sends_nor_writes(db: str) -> None:
    journal, lease = _process("a", ttl=0.3)
    await journal.load()
    await lease.acquire()
    lease._tasks["keep"].cancel()  # as if paused: no renewal any more
    await asyncio.sleep(0.4)
    assert await take(f"group:{CHAT}", "b", ttl=30) is not None  # b took over
    with pytest.raises(LeaseLost):
        lease.check()
    with pytest.raises(LeaseLost):
        await journal.after_send([77], attempt=False)
    lease.release()
    await lease.close()


async def test_the_outbox_skips_the_group_while_another_process_sends_there(db: str) -> None:
    _, lease_a = _process("a")
    journal_b, lease_b = _process("b")
    await journal_b.load()
    assert await lease_a.ready()
    assert not await lease_b.ready()  # a holds it: b looks again later
    await asyncio.sleep(0.2)  # a went idle and let go
    assert await lease_b.ready()
    for lease in (lease_a, lease_b):
        await lease.close()
