"""Three processes of one desk under load: Redis restarts, PostgreSQL drops every connection.

Three ``botdesk run`` processes (long polling: one polls, all send and fire deadlines)
share one PostgreSQL database and a ``redis-server`` of this test alone. While twenty
customers write and operators answer, Redis is stopped for a few seconds and started
again on the same port (empty: it saves nothing), and then PostgreSQL ends every
connection to the desk's database three times (``pg_terminate_backend``). Nothing is lost,
nothing shows twice, and the same three processes, never restarted, are ready at the end.

The second test stops the process sending to the group (SIGSTOP) in the middle of its
``createForumTopic`` call, past its leases, and lets it go on: the other process has
taken over its claims meanwhile, and the woken one changes nothing.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.db import migrate
from sandbox.telegram import Limits
from sandbox.telegram.methods import METHODS, Call, find
from tests.e2e.conftest import welcomed
from tests.e2e.desk_load import (
    FloodWatch,
    Load,
    delivered,
    holders,
    topics_and_conversations,
)
from tests.e2e.desk_processes import (
    LEADER_TTL,
    DeskProcess,
    all_ready,
    grep,
    logs,
    start_desks,
    stop_all,
)
from tests.e2e.test_outages_postgres import terminate_backends
from tests.e2e.test_outages_redis import own_redis
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SCALE = 0.02
PROCESSES = 3
CUSTOMERS = 20
REDIS_DOWN = 3.0  # seconds Redis stays stopped while customers write
LOAD_WAIT = 90.0
#: how the outages of the loops that retry until the service is back start and end
#: (core.outages): each start has its end by the time the load went through
OUTAGE_LINES = [
    ("wait: a service is unreachable", "resume: the service answers again"),
    ("database unreachable: ", "database reachable again after"),
]


async def test_a_redis_restart_and_dropped_database_connections_lose_nothing(
    desk_world: DeskWorld, postgres_database_url: str, tmp_path: Path
) -> None:
    world, sb = desk_world, desk_world.sandbox
    sb.limits = Limits().scaled(SCALE)
    flood = FloodWatch(sb)
    load = Load(
        sb, world, [sb.create_user(f"Fault{i}", language_code="en") for i in range(CUSTOMERS)]
    )
    await migrate(postgres_database_url)
    desks: list[DeskProcess] = []
    async with own_redis() as redis:
        await redis.start()
        try:
            names = [f"desk{index}" for index in range(PROCESSES)]
            desks += await start_desks(
                world, names, postgres_database_url, redis.url, tmp_path, SCALE
            )
            await welcomed(world)
            began = time.monotonic()
            await load.send(3)

            await redis.stop()
            await load.send(4, pause=REDIS_DOWN / 4)  # customers and operators go on
            await redis.start()
            await load.send(3)

            terminated = [await terminate_backends(postgres_database_url)]
            await load.send(2)
            terminated.append(await terminate_backends(postgres_database_url))
            await load.send(2)
            await asyncio.sleep(2.0)  # the outbox is still working off the backlog
            terminated.append(await terminate_backends(postgres_database_url))

            await delivered(load, LOAD_WAIT, postgres_database_url, lambda: logs(desks))
            took = time.monotonic() - began
            await asyncio.sleep(1.0)  # a duplicate would show up by now
            assert all(desk.running for desk in desks), f"a process exited\n{logs(desks)}"
            assert [desk.process.pid for desk in desks] == [desk.pid for desk in desks]
            ready = await all_ready(desks)
            held = await holders(postgres_database_url)
            assert {f"instance:{desk.name}" for desk in desks} <= held.keys(), held
            assert held.get("poll") in {desk.name for desk in desks}, held
        except BaseException:
            for desk in desks:  # failed already: no need to wait for a clean stop
                if desk.running:
                    desk.kill()
            raise
        finally:
            codes = await stop_all(desks)

    assert codes == {desk.name: 0 for desk in desks}, "SIGTERM stops each one cleanly"
    load.check_exactly_once()
    # the faults reached the processes, and each outage a process noticed also ended
    assert terminated[0] >= PROCESSES and min(terminated) >= 1, f"ended: {terminated}"
    assert grep(desks, f":{redis.port}"), f"nobody missed Redis\n{logs(desks)}"
    for desk in desks:
        for start, end in OUTAGE_LINES:
            assert len(grep([desk], start)) == len(grep([desk], end)), (
                f"{desk.name}: an outage ({start!r}) without its end ({end!r})\n{logs([desk])}"
            )
    print(
        f"\nall in {took:.1f} s; connections ended {terminated}; "
        f"ready: {sorted(name for name, (status, _) in ready.items() if status == 200)}; "
        f"replies delivered twice: {load.replies_twice()}; 429s by chat {dict(flood.refused)}"
    )
    print("\n".join(grep(desks, "WARNING", "ERROR")))


PAUSED_CUSTOMERS = 12
PAUSE_WAIT = 40.0
#: the sender stays stopped this long: its leases run out and another process takes
#: over its claims and opens the topic it was opening
PAUSED_FOR = 2 * LEADER_TTL + 1.0


async def test_a_group_sender_paused_past_its_leases_changes_nothing(
    desk_world: DeskWorld,
    postgres_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process sending to the group stops (a long GC pause, a frozen VM) in the
    middle of opening a customer's topic, for longer than its leases, then goes on as if
    nothing happened: another process has opened that topic meanwhile, so the one the
    woken process opened is deleted, and nothing else changes."""
    world, sb = desk_world, desk_world.sandbox
    sb.limits = Limits().scaled(SCALE)
    flood = FloodWatch(sb)
    customers = [sb.create_user(f"Pause{i}", language_code="en") for i in range(PAUSED_CUSTOMERS)]
    load = Load(sb, world, customers)
    await migrate(postgres_database_url)
    desks: list[DeskProcess] = []
    opened = await pause_in_the_fifth_topic(desks, postgres_database_url, world, monkeypatch)
    async with own_redis() as redis:
        await redis.start()
        try:
            desks += await start_desks(
                world, ["desk0", "desk1"], postgres_database_url, redis.url, tmp_path, SCALE
            )
            await welcomed(world)
            await load.send(2)  # a topic for each, while the fifth one's opener stops
            try:
                await delivered(load, PAUSE_WAIT + PAUSED_FOR, postgres_database_url)
            except pytest.fail.Exception as failed:
                topics = await topics_and_conversations(world, postgres_database_url)
                pytest.fail("\n".join([str(failed), *topics, logs(desks)]))
            await asyncio.sleep(1.0)
            assert all(desk.running for desk in desks), f"a process died\n{logs(desks)}"
        except BaseException:
            for desk in desks:
                if desk.running:
                    desk.kill()
            raise
        finally:
            await stop_all(desks)
    load.check_exactly_once()
    assert opened["paused"] == 1, "the sender was paused in the middle of a topic"
    # one topic opened twice; the one nobody uses is gone again
    assert opened["topics"] == PAUSED_CUSTOMERS + 1, opened
    assert len(world.group.topics) == PAUSED_CUSTOMERS, "\n".join(
        await topics_and_conversations(world, postgres_database_url)
    )
    assert grep(desks, "opened twice") == [], "the topic opened twice was deleted"
    assert flood.refused[world.group.id] == 0, "\n".join(["429s in the group", *flood.stories])


async def pause_in_the_fifth_topic(
    desks: list[DeskProcess],
    database_url: str,
    world: DeskWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> Counter[str]:
    """Make the sandbox stop the desk process that asks for the fifth topic, before it
    answers, for ``PAUSED_FOR`` seconds: the process is paused in the middle of the call,
    holding the group's lease and the claim of the item it is sending. Counts the topics
    opened and the pauses."""
    original = find("createForumTopic")
    assert original is not None
    counts: Counter[str] = Counter()

    async def create(call: Call) -> dict[str, Any]:
        counts["topics"] += 1
        if counts["topics"] == 5:
            counts["paused"] += 1
            sender = await group_sender(desks, database_url, f"group:{world.group.id}")
            sender.process.send_signal(signal.SIGSTOP)
            await asyncio.sleep(PAUSED_FOR)
            sender.process.send_signal(signal.SIGCONT)
        return await original(call)

    monkeypatch.setitem(METHODS, "createforumtopic", create)
    return counts


async def group_sender(desks: list[DeskProcess], database_url: str, lease: str) -> DeskProcess:
    """The process that holds the group's lease (waiting until one does)."""
    async with asyncio.timeout(20):
        while True:
            holder = (await holders(database_url)).get(lease)
            if holder is not None:
                return next(desk for desk in desks if desk.name == holder)
            await asyncio.sleep(0.01)
