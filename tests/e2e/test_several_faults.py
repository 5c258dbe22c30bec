"""Three processes of one desk under load: Redis restarts, PostgreSQL drops every connection.

Three ``botdesk run`` processes (long polling: one polls, all send and fire deadlines)
share one PostgreSQL database and a ``redis-server`` of this test alone. While twenty
customers write and operators answer, Redis is stopped for a few seconds and started
again on the same port (empty: it saves nothing), and then PostgreSQL ends every
connection to the desk's database three times (``pg_terminate_backend``). Nothing is lost,
nothing shows twice, and the same three processes, never restarted, are ready at the end.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from core.db import migrate
from sandbox.telegram import Limits
from tests.e2e.conftest import welcomed
from tests.e2e.desk_processes import (
    DeskProcess,
    FloodWatch,
    Load,
    all_ready,
    desk_env,
    grep,
    healthy,
    holders,
    logs,
    settled,
    start_desk,
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
            for index in range(PROCESSES):
                env = desk_env(
                    sb,
                    world,
                    name=f"desk{index}",
                    database_url=postgres_database_url,
                    redis_url=redis.url,
                    scale=SCALE,
                )
                desks.append(await start_desk(env, tmp_path))
            await healthy(desks)
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

            try:
                await settled(load.done, LOAD_WAIT)
            except TimeoutError:
                pending = len(world.bot.updates.pending)
                pytest.fail(f"not everything arrived, {pending} updates pending\n{logs(desks)}")
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
    assert min(terminated) >= PROCESSES, f"connections ended: {terminated}"
    assert grep(desks, "Connect call failed"), f"nobody missed Redis\n{logs(desks)}"
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
