"""Three webhook replicas behind a round-robin proxy; one is killed under load.

Three ``botdesk run`` processes share one PostgreSQL database and one Redis server in
webhook mode. ``WEBHOOK_URL`` points at a small reverse proxy in this test, which passes
each call to the next replica in turn and returns its answer, like the nginx of
``deploy/``; so does the VK community's Callback API server address (the proxy keeps the
path: ``/vk/callback`` reaches a replica's ``/vk/callback``, the confirmation request
too). Thirty Telegram customers and ten VK customers write ten messages each while
operators answer; halfway through the deliveries one replica is killed with SIGKILL. The
proxy answers the calls it could not pass on with 502 and skips the dead replica from
then on; the sandboxes, like Telegram and VK, deliver an update again until some replica
answers it (2xx; ``ok`` for VK), one at a time per bot and per community.

Afterwards every customer message is in its topic once (a VK customer's in order), every
reply reached its customer (on VK exactly once), the budgets were shared (the sandbox
answers the group no 429) and no VK event waits.

The Redis server is the test's own: a killed replica's locks outlive it, under keys made
of the sandbox's ids, which repeat from test to test.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio import Redis

from botdesk.updates import SECRET_HEADER
from botdesk.vk import VK_CALLBACK_PATH
from botdesk.web import free_port
from core.db import migrate
from sandbox.telegram import Limits
from sandbox.vk import VkSandbox
from tests.e2e.conftest import WELCOME, welcomed
from tests.e2e.desk_load import (
    FloodWatch,
    Load,
    VkCustomers,
    delivered,
    holders,
    settled,
)
from tests.e2e.desk_processes import (
    DeskProcess,
    desk_env,
    healthy,
    logs,
    start_desk,
    stop_all,
)
from tests.e2e.test_outages_redis import own_redis
from tests.e2e.test_vk_load import limited_vk, vk_settings  # noqa: F401
from tests.fixtures.telegram_sandbox import DeskWorld

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SCALE = 0.02  # Telegram's flood windows fifty times shorter
# the desk's group window a little longer than the sandbox's (see desk_processes.desk_env);
# three processes counting alone would still send three times the budget
GROUP_SLACK = 0.3
REPLICAS = 3
CUSTOMERS = 30
VK_CUSTOMERS = 10
MESSAGES = 10
SECRET = "several-replicas"
VK_SECRET = "several-replicas-vk"
#: how long the proxy leaves a replica alone after it failed (nginx's fail_timeout)
FAIL_TIMEOUT = 10.0
#: after the kill, updates flow again within this many seconds (the leases' ttl is 3)
RESUME_WITHIN = 15.0
LOAD_WAIT = 90.0


class RoundRobin:
    """A reverse proxy: each request goes to the next replica that has not just failed.

    A replica that cannot be reached, or drops the connection, gets a 502 answer for that
    request (the sender tries again later) and is skipped for ``FAIL_TIMEOUT`` seconds.
    Telegram's updates and VK's events take turns alike.
    """

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.answered: Counter[int] = Counter()  # 2xx answers passed back, by replica port
        self.vk_answered: Counter[int] = Counter()  # those of VK's Callback API
        self.failed: Counter[int] = Counter()  # 502s, by replica port
        self.in_flight: Counter[int] = Counter()  # calls of either messenger
        self.updating: Counter[int] = Counter()  # Telegram's updates only
        self._turn = 0
        self._down_until: dict[int, float] = {}
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    def _next(self) -> int:
        now = time.monotonic()
        for _ in self.ports:
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            if self._down_until.get(port, 0.0) <= now:
                return port
        return self.ports[self._turn % len(self.ports)]  # all down: try anyway

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            name: request.headers[name]
            for name in ("Content-Type", SECRET_HEADER)
            if name in request.headers
        }
        port = self._next()
        telegram = request.path != VK_CALLBACK_PATH
        self.in_flight[port] += 1
        self.updating[port] += telegram
        try:
            async with self._session.post(
                f"http://127.0.0.1:{port}{request.rel_url}", data=body, headers=headers
            ) as answer:
                payload = await answer.read()
                if answer.status < 300:
                    self.answered[port] += 1
                    if not telegram:
                        self.vk_answered[port] += 1
                kind = answer.headers.get("Content-Type", "application/json")
                return web.Response(
                    status=answer.status, body=payload, headers={"Content-Type": kind}
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.failed[port] += 1
            self._down_until[port] = time.monotonic() + FAIL_TIMEOUT
            return web.Response(status=502, text=f"bad gateway: {type(exc).__name__}")
        finally:
            self.in_flight[port] -= 1
            self.updating[port] -= telegram

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RoundRobin]:
        """Serve on a free loopback port until the block ends."""
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            yield self
        finally:
            await self._session.close()
            await runner.cleanup()


async def kill_idle(
    proxy: RoundRobin, desks: list[DeskProcess], database_url: str, group: str
) -> tuple[DeskProcess, str]:
    """SIGKILL a replica that is not handling a webhook call right now, the one sending to
    the group (holding its lease) if it can be caught idle; its role, for the report.

    Its next turn at the proxy meets a closed port; its outbox items and the group's
    lease pass to the others once its leases expire.
    """
    deadline = time.monotonic() + 5.0
    while True:
        held = await holders(database_url)
        idle = [desk for desk in desks if proxy.in_flight[desk.port] == 0]
        sender = [desk for desk in idle if held.get(group) == desk.name]
        if sender or (idle and time.monotonic() > deadline):
            victim = (sender or idle)[0]
            roles = [name for name, holder in held.items() if holder == victim.name]
            victim.kill()
            await victim.process.wait()
            return victim, ", ".join(sorted(roles))
        await asyncio.sleep(0.005)


async def kill_mid_update(proxy: RoundRobin, desks: list[DeskProcess], redis: Redis) -> DeskProcess:
    """SIGKILL a replica in the middle of handling a Telegram update (holding its chat's
    lock).

    The sandbox delivers one update at a time, so a replica with an update in flight while
    aiogram's event-isolation lock is held in Redis is the one handling it (VK's events
    take no such lock). The replica is stopped (SIGSTOP) while that is checked, so it
    cannot finish in between.
    """
    async with asyncio.timeout(20):
        while True:
            busy = [desk for desk in desks if proxy.updating[desk.port] > 0]
            if busy:
                victim = busy[0]
                victim.process.send_signal(signal.SIGSTOP)
                locked = await redis.keys("fsm:*:lock")
                if locked and proxy.updating[victim.port] > 0:
                    victim.kill()
                    await victim.process.wait()
                    return victim
                victim.process.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.001)


async def start_replicas(
    world: DeskWorld,
    vk: VkCustomers,
    database_url: str,
    redis_url: str,
    proxy: RoundRobin,
    data: Path,
) -> list[DeskProcess]:
    """One ``botdesk run`` per port of the proxy, all in webhook mode behind it, Telegram's
    webhook and VK's Callback API server at the proxy; once up."""
    community = vk.community
    vk_env = {
        **{key.upper(): value for key, value in vk_settings(vk.vk, community).items()},
        "VK_CALLBACK_SECRET": VK_SECRET,
        "VK_CONFIRMATION": community.confirmation,
    }
    desks = []
    for index, port in enumerate(proxy.ports):
        env = desk_env(
            world.sandbox,
            world,
            name=f"web{index}",
            database_url=database_url,
            redis_url=redis_url,
            scale=SCALE,
            group_slack=GROUP_SLACK,
            WEBHOOK_URL=proxy.url,
            WEBHOOK_SECRET=SECRET,
            **vk_env,
        )
        desks.append(await start_desk(env, data, port))
    await healthy(desks)
    await welcomed(world)
    webhook = await world.sandbox.wait_for(lambda: world.bot.webhook, timeout=10)
    assert webhook is not None and webhook.url.startswith(proxy.url)
    # as an admin does on VK: the address, its secret key, then "Confirm"
    callback = proxy.url + VK_CALLBACK_PATH
    confirmed = await vk.vk.set_callback_server(community, callback, secret=VK_SECRET)
    assert confirmed, f"{vk.vk.callback_info(community)}\n{logs(desks)}"
    return desks


async def resumed(
    proxy: RoundRobin, redis: Redis, victim: DeskProcess, desks: list[DeskProcess]
) -> None:
    """Wait until the others handle updates again after the kill; fail saying why not."""
    before = proxy.answered.total()
    try:
        await settled(lambda: proxy.answered.total() >= before + 10, RESUME_WITHIN)
    except TimeoutError:
        locks = {key: await redis.pttl(key) for key in await redis.keys("fsm:*:lock")}
        pytest.fail(
            f"no update was handled for {RESUME_WITHIN:.0f} s after {victim.name} was "
            f"killed; proxy answered {dict(proxy.answered)}, 502s {dict(proxy.failed)}; "
            f"Redis locks (ms left) {locks}\n{logs(desks)}"
        )


async def three_replicas_one_killed(
    world: DeskWorld, vk: VkSandbox, database_url: str, data: Path, *, mid_update: bool
) -> None:
    """The whole scenario; ``mid_update`` picks the replica killed (see the two killers)."""
    sb = world.sandbox
    sb.limits = Limits().scaled(SCALE)
    flood = FloodWatch(sb)
    community = vk.create_community("Acme")
    vk_users = [vk.create_user(f"Vk{i}", "Hook", lang="en") for i in range(VK_CUSTOMERS)]
    vk_customers = VkCustomers(vk, community, vk_users)
    load = Load(
        sb,
        world,
        [sb.create_user(f"Hook{i}", language_code="en") for i in range(CUSTOMERS)],
        vk_customers,
    )
    # migrated once beforehand, as the compose file's one-off `migrate` service does
    await migrate(database_url)
    desks: list[DeskProcess] = []
    async with (
        own_redis() as redis,
        RoundRobin([free_port() for _ in range(REPLICAS)]).running() as proxy,
    ):
        await redis.start()
        client = Redis.from_url(redis.url)
        try:
            desks += await start_replicas(world, vk_customers, database_url, redis.url, proxy, data)
            await load.send(MESSAGES)
            await sb.wait_for(lambda: proxy.answered.total() >= load.sent // 2, timeout=60)
            if mid_update:
                victim, roles = await kill_mid_update(proxy, desks, client), "an update"
            else:
                group = f"group:{world.group.id}"
                victim, roles = await kill_idle(proxy, desks, database_url, group)
            killed_at = time.monotonic()
            await resumed(proxy, client, victim, desks)
            await delivered(
                load,
                LOAD_WAIT,
                database_url,
                lambda: f"VK callback server {vk.callback_info(community)}",
                lambda: logs(desks),
            )
            recovered = time.monotonic() - killed_at
            await asyncio.sleep(1.0)  # a duplicate would show up by now
            survivors = [desk for desk in desks if desk is not victim]
            assert all(desk.running for desk in survivors), logs(desks)
        except BaseException:
            for desk in desks:  # failed already: no need to wait for a clean stop
                if desk.running:
                    desk.kill()
            raise
        finally:
            await client.aclose()
            codes = await stop_all(desks)

    assert codes == {desk.name: 0 for desk in survivors}, "SIGTERM stops the rest cleanly"
    load.check_exactly_once()
    no_429 = "\n".join(["the group's budget is shared: no 429", *flood.stories])
    assert flood.refused[world.group.id] == 0, no_429
    welcomes = [
        m for m in sb.messages(world.group, general=True) if (m.body or "").startswith(WELCOME)
    ]
    assert len(welcomes) == 1, "one welcome, from the process that led"
    assert proxy.failed[victim.port] >= 1, "a call for the killed replica was answered 502"
    assert all(proxy.answered[port] > 0 for port in proxy.ports), f"round robin: {proxy.answered}"
    callback = vk.callback_info(community)
    assert callback is not None and callback["pending"] == 0, callback
    assert callback["delivered"] >= VK_CUSTOMERS * MESSAGES, callback
    assert len(proxy.vk_answered) > 1, f"VK's events went round too: {proxy.vk_answered}"
    print(
        f"\nanswered {dict(proxy.answered)}, 502s {dict(proxy.failed)}, "
        f"killed {victim.name} (holding {roles}), all in {recovered:.1f} s after the kill; "
        f"replies delivered twice: {load.replies_twice()}; 429s by chat {dict(flood.refused)}; "
        f"topics with their card unpinned: {load.unpinned_cards()}; VK events by replica "
        f"{dict(proxy.vk_answered)}, {callback['delivered']} delivered, "
        f"{callback['redelivered']} sent again; VK error 6: {vk.refused()}"
    )


async def test_a_replica_killed_between_calls_loses_nothing(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    postgres_database_url: str,
    tmp_path: Path,
) -> None:
    await three_replicas_one_killed(
        desk_world, limited_vk, postgres_database_url, tmp_path, mid_update=False
    )


async def test_a_replica_killed_mid_update_loses_nothing(
    desk_world: DeskWorld,
    limited_vk: VkSandbox,  # noqa: F811
    postgres_database_url: str,
    tmp_path: Path,
) -> None:
    await three_replicas_one_killed(
        desk_world, limited_vk, postgres_database_url, tmp_path, mid_update=True
    )
