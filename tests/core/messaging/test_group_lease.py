"""The group's send lock says whether a send could start at once (the outbox's gate)."""

from __future__ import annotations

import asyncio

from core.leases import take
from core.messaging.group_lease import GroupLease, LocalSendLock

CHAT = -1001


class Reloads:
    """Counts the journal reloads a lease asks for."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


async def test_one_process_is_ready_unless_a_send_is_going_on() -> None:
    lock = LocalSendLock()
    assert await lock.ready()
    await lock.acquire()
    assert not await lock.ready()
    lock.release()
    assert await lock.ready()


async def test_ready_takes_a_free_lease_and_says_no_while_another_process_holds_it(
    db: str,
) -> None:
    a_reloads, b_reloads = Reloads(), Reloads()
    a = GroupLease(CHAT, "a", 30, a_reloads, recheck=0.1)
    b = GroupLease(CHAT, "b", 30, b_reloads, recheck=0.1)
    try:
        assert await a.ready()  # free: a takes it, and starts from the stored journal
        assert a_reloads.count == 1 and a.fence() is not None
        assert not await b.ready()
        # a's sends go at once, with no new reload; b's would have to wait
        await a.acquire()
        a.release()
        assert a_reloads.count == 1
        await a.close()  # a lets go (idle, or a clean stop)
        assert not await b.ready()  # asked a moment ago: not again before the recheck
        await asyncio.sleep(0.15)
        assert await b.ready()
        assert b_reloads.count == 1  # b reads what a left before its first send
        assert not await a.ready()
    finally:
        await a.close()
        await b.close()


async def test_ready_says_no_while_a_send_of_this_process_is_going_on(db: str) -> None:
    lease = GroupLease(CHAT, "a", 30, Reloads())
    try:
        await lease.acquire()
        assert not await lease.ready()
        lease.release()
        assert await lease.ready()
    finally:
        await lease.close()


async def test_a_lease_ready_took_is_let_go_when_no_send_comes(db: str) -> None:
    lease = GroupLease(CHAT, "a", 0.6, Reloads(), idle=0.1)
    try:
        assert await lease.ready()
        await asyncio.sleep(0.4)  # idle, then one renewal pass of the keeper
        assert await take(f"group:{CHAT}", "b", 30) is not None
    finally:
        await lease.close()
