"""Leases: one holder at a time, expiry on the database's clock, fencing tokens, standing by."""

from __future__ import annotations

import asyncio

import pytest

from core.leadership import HeldLease, lead
from core.leases import alive, release, still_held, take
from core.lookup import sql
from core.metrics import LEASE_HELD
from core.models import ChannelCursor, Lease


async def test_one_holder_at_a_time_and_the_token_grows_on_each_new_holder(db: str) -> None:
    first = await take("poll", "a", ttl=30)
    assert first is not None
    assert await take("poll", "b", ttl=30) is None  # a holds it
    assert await take("poll", "a", ttl=30) == first  # renewing keeps the token
    await release("poll", "a")
    second = await take("poll", "b", ttl=30)
    assert second == first + 1
    assert await take("poll", "a", ttl=30) is None
    await release("poll", "a")  # not a's to release: nothing changes
    assert await take("poll", "a", ttl=30) is None


async def test_an_expired_lease_passes_to_the_next_taker(db: str) -> None:
    token = await take("poll", "a", ttl=0.2)
    assert token is not None
    assert await take("poll", "b", ttl=30) is None
    await asyncio.sleep(0.3)
    assert await take("poll", "b", ttl=30) == token + 1
    # the paused old holder cannot renew: the lease is b's now
    assert await take("poll", "a", ttl=30) is None


async def test_concurrent_takers_of_a_fresh_lease_get_one_winner(db: str) -> None:
    results = await asyncio.gather(*(take("fresh", f"p{i}", ttl=30) for i in range(8)))
    assert sum(result is not None for result in results) == 1


async def test_a_write_guarded_by_the_token_changes_nothing_after_a_takeover(db: str) -> None:
    await ChannelCursor.create(name="journal", value="old")
    token = await take("group", "a", ttl=0.2)
    assert token is not None
    connection = Lease._meta.db
    guarded = "UPDATE channel_cursors SET value = {0} WHERE name = {1} AND " + still_held(
        "{2}", "{3}", "{4}"
    )
    statement = sql(connection, guarded, 5)
    await connection.execute_query(statement, ["by a", "journal", "group", "a", token])
    assert (await ChannelCursor.get(name="journal")).value == "by a"
    await asyncio.sleep(0.3)
    assert await take("group", "b", ttl=30) is not None
    await connection.execute_query(statement, ["a again", "journal", "group", "a", token])
    assert (await ChannelCursor.get(name="journal")).value == "by a"


async def test_alive_names_the_processes_whose_instance_lease_holds(db: str) -> None:
    await take("instance:a", "a", ttl=30)
    await take("instance:b", "b", ttl=0.1)
    await asyncio.sleep(0.2)
    assert await alive(["a", "b", "c"]) == {"a"}
    assert await alive([]) == set()


async def test_a_standby_takes_over_within_the_ttl_when_the_leader_stops_renewing(
    db: str,
) -> None:
    """A leader that goes silent (killed, paused) is replaced; it knows it lost the lease."""
    ttl = 0.6
    runs: list[str] = []
    stop = asyncio.Event()

    async def job(name: str, ended: asyncio.Event) -> None:
        runs.append(name)
        await ended.wait()

    silent = HeldLease("poll", "a", ttl)
    assert await silent.try_take()  # a leads, then never renews (as if killed)
    standby = asyncio.create_task(
        lead(HeldLease("poll", "b", ttl), stop, lambda ended: job("b", ended), retry=0.05)
    )
    await asyncio.sleep(ttl * 0.5)
    assert runs == []
    assert silent.held()
    await asyncio.sleep(ttl * 1.2)
    assert runs == ["b"]
    assert not silent.held()  # its own clock tells it too, without asking
    assert not await silent.try_take()
    stop.set()
    await asyncio.wait_for(standby, 5)
    # a clean stop released the lease: the next taker needs no wait
    assert await take("poll", "c", ttl=30) is not None


async def test_a_leader_keeps_the_lease_while_it_renews(db: str) -> None:
    stop = asyncio.Event()
    ended_by_loss = asyncio.Event()

    async def job(ended: asyncio.Event) -> None:
        await ended.wait()
        if not stop.is_set():
            ended_by_loss.set()

    leader = asyncio.create_task(lead(HeldLease("poll", "a", 0.3), stop, job, retry=0.05))
    await asyncio.sleep(1.0)  # more than three ttls: only renewals keep it
    assert await take("poll", "b", ttl=30) is None
    assert not ended_by_loss.is_set()
    stop.set()
    await asyncio.wait_for(leader, 5)


def test_a_lease_needs_a_positive_ttl() -> None:
    with pytest.raises(ValueError, match="positive ttl"):
        HeldLease("poll", "a", 0)


async def test_the_metric_says_whether_this_process_holds_the_lease(db: str) -> None:
    gauge = LEASE_HELD.labels("poll")
    lease = HeldLease("poll", "a", 30)
    assert await lease.try_take()
    assert gauge._value.get() == 1
    await lease.let_go()
    assert gauge._value.get() == 0


async def test_held_throughout_tells_an_unbroken_hold_from_one_taken_again(db: str) -> None:
    """A claim made while the instance lease was held is still this process's while the
    hold has no gap; after a lapse (a pause past the ttl) the lease may be taken again,
    but what was claimed before may have passed to another process."""
    now = [100.0]
    lease = HeldLease("instance:x", "x", 10.0, monotonic=lambda: now[0])
    assert not lease.held_throughout(now[0])
    assert await lease.try_take()
    claimed = now[0] + 1.0
    now[0] += 5.0
    assert await lease.try_take()  # renewed in time: no gap
    assert lease.held_throughout(claimed)
    now[0] += 9.0  # past the trusted part of the ttl: a pause
    assert not lease.held_throughout(claimed)
    assert await lease.try_take()  # taken again (nobody else wanted it)
    assert lease.held() and not lease.held_throughout(claimed)
    assert lease.held_throughout(now[0])  # a claim made from now on is safe again
    await lease.let_go()
    assert not lease.held_throughout(now[0])
