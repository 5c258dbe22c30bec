"""Several botdesk processes on one PostgreSQL and Redis: ingest, failover, group budget.

* ``bench_ingest``: webhook mode behind a round-robin proxy, 1, 2 and 3 processes. The
  customers' updates are taken out of the sandbox's queue and posted to the proxy by 32
  connections at once (Telegram opens up to 40), so the sandbox's one-at-a-time
  delivery is not what is measured: msg/s = updates answered 200 per second.
* ``bench_failover``: three processes long-polling; the leader (the holder of the lease
  ``poll``) is killed with SIGKILL, a customer writes at that moment, and the time until
  another process holds the lease and until that message shows in the group is taken.
  Ten kills; each killed process is replaced by a fresh one.
* ``bench_group``: the same load of many customers with 1 and with 3 processes, the
  group's flood budget on (20 per ``window``, the sandbox enforcing it too): group
  messages posted and customer messages made visible per window, and 429s.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import Report, percentile, postgres_database
from bench.relay import _open_topics
from bench.stage import DeskProcess, Stage
from botdesk.web import free_port
from sandbox.telegram import Limits, Rate, TelegramSandbox

REDIS_URL_ENV = "BOTDESK_BENCH_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
GROUP_BUDGET = 20
CONNECTIONS = 32


class RoundRobin:
    """A reverse proxy handing each request to the next backend (a load balancer)."""

    def __init__(self) -> None:
        self.backends: list[str] = []
        self._next = itertools.count()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._session: aiohttp.ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        for _ in range(len(self.backends)):
            backend = self.backends[next(self._next) % len(self.backends)]
            try:
                async with self._session.post(
                    backend + request.path_qs, data=body, headers=_forwarded(request)
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientError:
                continue  # a backend that is down: the next one
        return web.Response(status=502)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RoundRobin]:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        try:
            yield self
        finally:
            await self._session.close()
            await runner.cleanup()


def _forwarded(request: web.Request) -> dict[str, str]:
    keep = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")
    return {name: request.headers[name] for name in keep if name in request.headers}


def redis_url() -> str:
    """The Redis the benchmark may empty: BOTDESK_BENCH_REDIS_URL or database 15 locally."""
    import os

    return os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


async def _fresh_redis() -> str:
    """The benchmark's Redis database, emptied; OSError when nobody answers."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    url = redis_url()
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.flushdb()
    except (OSError, RedisError) as exc:
        raise OSError(f"Redis not reachable at {url}: {exc}") from exc
    finally:
        await client.aclose()
    return url


@asynccontextmanager
async def _desk_world() -> AsyncIterator[tuple[Stage, str, str]]:
    """A sandbox, a stage, a migrated PostgreSQL database and an empty Redis database."""
    from core.db import migrate

    redis = await _fresh_redis()
    with tempfile.TemporaryDirectory(prefix="botdesk-bench-") as tmp:
        async with postgres_database() as database, TelegramSandbox(limits=Limits.off()) as sb:
            await migrate(database)
            yield Stage(sb, Path(tmp)), database, redis


def _values(stage: Stage, database: str, redis: str, name: str, **extra: Any) -> dict[str, Any]:
    values = stage.settings(group_rate=extra.pop("group_rate", None))
    values.update(
        database_url=database,
        redis_url=redis,
        instance_name=name,
        acknowledgement={"enabled": False},
        digest_time="off",
        **extra,
    )
    return values


async def _start(stage: Stage, values: dict[str, Any]) -> DeskProcess:
    desk = DeskProcess(values, stage.workdir / f"{values['instance_name']}.log")
    await desk.start()
    return desk


async def _ready(stage: Stage, desks: list[DeskProcess]) -> None:
    """Wait until the desks answer a customer's /help (the leader polls, or webhooks go)."""
    before = stage.log.answers
    stage.sb.send_text(stage.probe, stage.bot, "/help")
    await stage.sb.wait_for(lambda: stage.log.answers > before, 90)
    for desk in desks:
        if desk.exited:
            raise RuntimeError(f"a desk exited early:\n{desk.log_tail()}")


async def bench_ingest(report: Report, messages: int, customers: int) -> None:
    """Ingest msg/s in webhook mode with 1, 2 and 3 processes."""
    rates: dict[int, float] = {}
    for count in (1, 2, 3):
        async with _desk_world() as (stage, database, redis), RoundRobin().running() as proxy:
            people = stage.customers(customers)
            desks = []
            async with AsyncExitStack() as stack:
                for n in range(count):
                    values = _values(stage, database, redis, f"desk-{n}", webhook_url=proxy.url)
                    desk = await _start(stage, values)
                    stack.push_async_callback(desk.stop)
                    desks.append(desk)
                    proxy.backends.append(f"http://127.0.0.1:{values['web_port']}")
                await _ready(stage, desks)
                rates[count] = await _post_load(stage, proxy, people, messages)
                complete = await stage.shown(list(range(messages)), 120)
        report.add(
            f"{count} process{'es' if count > 1 else ''}: ingest",
            rates[count],
            "msg/s",
            note=f"{messages} updates, {CONNECTIONS} connections; all shown: {complete}",
        )
    report.add("3 processes / 1 process", rates[3] / rates[1], "x", note="same run")
    report.details.update(messages=messages, customers=customers)


async def _post_load(stage: Stage, proxy: RoundRobin, people: list[Any], messages: int) -> float:
    """Queue ``messages`` customer messages, then post them to the proxy at once; msg/s."""
    bot = stage.bot
    hook, bot.webhook = bot.webhook, None  # the sandbox delivers no more: we do
    await asyncio.sleep(0.2)
    for i in range(messages):
        stage.send(people[i % len(people)])
    updates = list(bot.updates.pending)
    for update in updates:
        bot.updates.pop_first(update["update_id"])
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)
    secret = hook.secret_token if hook is not None else None
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}

    async def connection(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            update = queue.get_nowait()
            while True:  # a 500 means "not stored yet": Telegram sends it again
                async with session.post(
                    proxy.url + "/telegram/webhook", json=update, headers=headers
                ) as answer:
                    if answer.status == 200:
                        break
                await asyncio.sleep(0.1)

    started = perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(connection(session) for _ in range(CONNECTIONS)))
    return len(updates) / (perf_counter() - started)


async def _leader(database: str) -> str | None:
    import asyncpg

    from bench.common import _asyncpg_dsn

    connection = await asyncpg.connect(_asyncpg_dsn(database))
    try:
        row = await connection.fetchrow(
            "SELECT holder FROM leases WHERE name = 'poll' "
            "AND expires_at > EXTRACT(EPOCH FROM clock_timestamp())"
        )
        return None if row is None else str(row["holder"])
    finally:
        await connection.close()


async def bench_failover(report: Report, kills: int, ttl: float) -> None:
    """Seconds from SIGKILL of the polling leader to a new leader, and to a message shown."""
    takeovers, shown = [], []
    async with _desk_world() as (stage, database, redis):
        people = stage.customers(kills)
        names = (f"desk-{n}" for n in itertools.count())
        desks: dict[str, DeskProcess] = {}
        try:
            for _ in range(3):
                name = next(names)
                desks[name] = await _start(
                    stage, _values(stage, database, redis, name, leader_ttl_seconds=ttl)
                )
            await _ready(stage, list(desks.values()))
            for kill in range(kills):
                leader = await _wait_for_leader(database, None)
                victim = desks.pop(leader)
                assert victim.process is not None
                victim.process.kill()
                killed_at = perf_counter()
                seq = stage.send(people[kill])
                new = await _wait_for_leader(database, leader)
                takeovers.append(perf_counter() - killed_at)
                await stage.shown([seq], 60)
                shown.append(stage.log.seen[seq] - killed_at)
                await victim.stop()
                name = next(names)
                desks[name] = await _start(
                    stage, _values(stage, database, redis, name, leader_ttl_seconds=ttl)
                )
                del new
        finally:
            for desk in desks.values():
                await desk.stop()
    report.add(
        "takeover: SIGKILL to a new leader, median",
        statistics.median(takeovers),
        "s",
        target="<= 10 s",
        passed=max(takeovers) <= 10,
        note=f"{kills} kills, LEADER_TTL_SECONDS={ttl:g}; max {max(takeovers):.1f} s",
    )
    report.add(
        "SIGKILL to a message written then shown in the group, median",
        statistics.median(shown),
        "s",
        note=f"p90 {percentile(shown, 90):.1f} s",
    )
    report.details.update(takeovers=takeovers, shown=shown)


async def _wait_for_leader(database: str, not_this: str | None) -> str:
    while True:
        holder = await _leader(database)
        if holder is not None and holder != not_this:
            return holder
        await asyncio.sleep(0.05)


async def _desks(stage: Stage, values: list[dict[str, Any]]) -> list[DeskProcess]:
    desks = [await _start(stage, one) for one in values]
    await _ready(stage, desks)
    return desks


async def bench_group(report: Report, customers: int, window: float, windows: int) -> None:
    """Group posts and visible messages per window with 1 and 3 processes (budget shared).

    The customers' topics are opened first with the budgets off (as in the relay's
    budget benchmark); then the sandbox enforces 20 messages per ``window`` in the group
    and the desks keep to the same rate.
    """
    for count in (1, 3):
        async with _desk_world() as (stage, database, redis):
            people = stage.customers(customers)
            names = [f"desk-{n}" for n in range(count)]
            desks = await _desks(stage, [_values(stage, database, redis, n) for n in names])
            try:
                await _open_topics(stage, people)
            finally:
                for desk in desks:
                    await desk.stop()
            stage.sb.limits = Limits(
                private_chat=Rate(1, 1.0),
                group_chat=Rate(GROUP_BUDGET, window),
                per_bot=Rate(30, 1.0),
            )
            rate = f"{GROUP_BUDGET}/{window:g}"
            throttled = [_values(stage, database, redis, n, group_rate=rate) for n in names]
            desks = await _desks(stage, throttled)
            try:
                await asyncio.sleep(window)  # the probe's answer leaves the window
                figures = await _group_load(stage, people, window, windows)
            finally:
                for desk in desks:
                    await desk.stop()
        label = f"{count} process{'es' if count > 1 else ''}"
        visible, posts, rejected = figures
        report.add(f"{label}: customer messages visible per window", visible, "msgs")
        report.add(
            f"{label}: group posts per window",
            posts,
            "posts",
            note="an average, edges included; the sandbox enforces the budget: see the 429s",
        )
        report.add(
            f"{label}: 429 answers for the group", rejected, "", target="0", passed=not rejected
        )
    report.details.update(customers=customers, window_seconds=window, windows=windows)


async def _group_load(
    stage: Stage, people: list[Any], window: float, windows: int
) -> tuple[float, float, int]:
    """Offer twice what the budget shows unmerged; visible and posts per window, 429s."""
    log = stage.log
    posts, rejected = log.group_posts, log.rejected
    started = perf_counter()
    offered = 2 * GROUP_BUDGET * windows
    seqs = await stage.offer(people, 2 * GROUP_BUDGET / window, offered)
    await stage.shown(seqs, window * windows * 4)
    spent = (perf_counter() - started) / window
    seen = Counter(int((log.seen[s] - started) // window) for s in seqs if s in log.seen)
    # the first window fills the queues (and lets batches grow): count after it
    visible = sum(seen[k] for k in range(1, windows)) / max(windows - 1, 1)
    return visible, (log.group_posts - posts) / spent, log.rejected - rejected
