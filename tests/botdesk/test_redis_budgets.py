"""The flood budgets in Redis: shared by processes, atomic, expiring, and optional.

Each ``RedisBudgets`` gets a client of its own, as each botdesk process would; the keys
live under the test's own prefix on the suite's Redis.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis

from botdesk.redis_budgets import RedisBudgets, redis_budgets
from core.config import isolated_settings
from core.outbox.budgets import Rate, SlidingWindow
from core.outbox.shared_budgets import Grant, Spend
from tests.botdesk.tcp_relay import TcpRelay

pytestmark = pytest.mark.redis

# seconds since the epoch, so the scores are as large as a live desk's
EPOCH = 1_700_000_000.0


def spends(chat: str, chat_rate: Rate, channel_rate: Rate, cost: int = 1) -> list[Spend]:
    """What a send to ``chat`` spends: its chat's window and the channel's."""
    return [Spend(f"chat:{chat}", chat_rate, cost), Spend("channel:telegram", channel_rate, cost)]


@asynccontextmanager
async def processes(
    url: str, prefix: str, count: int = 2, **options: tuple[float, float]
) -> AsyncIterator[list[RedisBudgets]]:
    """``count`` budgets on one prefix, each with a client of its own; closed afterwards."""
    budgets = [
        RedisBudgets(Redis.from_url(url), prefix=f"{prefix}:", **options) for _ in range(count)
    ]
    try:
        yield budgets
    finally:
        for each in budgets:
            await each.close()


def most_in_any_window(sends: list[tuple[float, int]], seconds: float) -> int:
    """The largest total cost of sends in any half-open interval ``seconds`` long."""
    return max(sum(c for t, c in sends if at - seconds < t <= at) for at, _ in sends)


async def test_two_processes_together_keep_every_window(redis_url: str, redis_prefix: str) -> None:
    chat_rate, channel_rate = Rate(5, 1.0), Rate(7, 1.0)
    scale = 20.0  # fake seconds per real second: twenty windows in one real second
    started = time.monotonic()

    def now() -> float:
        return EPOCH + (time.monotonic() - started) * scale

    sent: dict[str, list[tuple[float, int]]] = {"a": [], "b": [], "all": []}
    by_process = [0, 0]

    async def hammer(budgets: RedisBudgets, process: int, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() - started < 1.0:
            chat, cost = rng.choice("ab"), rng.choice((1, 1, 2))
            at = now()
            grant = await budgets.take(spends(chat, chat_rate, channel_rate, cost), at, pause=None)
            if grant.granted:
                sent[chat].append((at, cost))
                sent["all"].append((at, cost))
                by_process[process] += cost
            else:
                assert grant.ready_at > at
                await asyncio.sleep((grant.ready_at - now()) / scale + 0.0005)

    async with processes(redis_url, redis_prefix) as (first, second):
        await asyncio.gather(
            *(hammer(first, 0, seed) for seed in range(4)),
            *(hammer(second, 1, seed) for seed in range(4, 8)),
        )
    assert most_in_any_window(sent["a"], 1.0) <= 5
    assert most_in_any_window(sent["b"], 1.0) <= 5
    assert most_in_any_window(sent["all"], 1.0) <= 7
    # the limits were reached, not kept by refusing: about 7 per fake second for 20 of them
    assert sum(cost for _, cost in sent["all"]) >= 7 * 20 * 0.6
    assert min(by_process) > 0


async def test_one_process_answers_as_the_local_sliding_window(
    redis_url: str, redis_prefix: str
) -> None:
    rate = Rate(3, 1.0)
    local = SlidingWindow(rate)
    rng = random.Random(11)
    at = EPOCH
    async with processes(redis_url, redis_prefix, count=1) as (budgets,):
        for _ in range(200):
            at += rng.choice((0.0, 0.05, 0.2, 0.5, 1.0))
            cost = rng.choice((1, 1, 2, 5))  # 5: more than the whole budget
            expected = local.ready_at(cost, at)
            grant = await budgets.take([Spend("chat:x", rate, cost)], at, pause=None)
            assert grant.ready_at == expected
            assert grant.granted == (expected == at)
            if grant.granted:
                local.spend(cost, at)


async def test_a_refused_send_spends_nothing_anywhere(redis_url: str, redis_prefix: str) -> None:
    roomy, tight = Rate(10, 1.0), Rate(1, 1.0)
    async with processes(redis_url, redis_prefix, count=1) as (budgets,):
        assert (await budgets.take(spends("a", tight, roomy), EPOCH, pause=None)).granted
        refused = await budgets.take(spends("a", tight, roomy), EPOCH + 0.1, pause=None)
        assert refused.blocking == ("chat:a",)
        assert refused.ready_at == EPOCH + 1.0
        channel = budgets.window_key("channel:telegram")
        assert await budgets.redis.zcard(channel) == 1  # the channel was not spent either


async def test_a_given_back_grant_frees_its_share(redis_url: str, redis_prefix: str) -> None:
    rate = Rate(2, 10.0)
    async with processes(redis_url, redis_prefix) as (first, second):
        grant = await first.take([Spend("chat:x", rate, 2)], EPOCH, pause=None)
        assert grant.granted and grant.token is not None
        assert not (await second.take([Spend("chat:x", rate, 1)], EPOCH + 1, pause=None)).granted
        await first.give_back([Spend("chat:x", rate, 2)], grant.token)
        assert (await second.take([Spend("chat:x", rate, 1)], EPOCH + 2, pause=None)).granted


async def test_a_pause_set_by_one_process_holds_the_other(
    redis_url: str, redis_prefix: str
) -> None:
    rate = Rate(20, 60.0)
    async with processes(redis_url, redis_prefix) as (first, second):
        await first.pause("tg:-100", EPOCH + 30, EPOCH)
        held = await second.take(spends("g", rate, rate), EPOCH + 1, pause="tg:-100")
        assert held.blocking == ("pause:tg:-100",)
        assert held.ready_at == EPOCH + 30
        await second.pause("tg:-100", EPOCH + 10, EPOCH + 2)  # a shorter pause changes nothing
        still = await first.take(spends("g", rate, rate), EPOCH + 20, pause="tg:-100")
        assert still.ready_at == EPOCH + 30
        assert (await first.take(spends("h", rate, rate), EPOCH + 20, pause="tg:-200")).granted
        assert (await second.take(spends("g", rate, rate), EPOCH + 30, pause="tg:-100")).granted
        assert 25_000 < await first.redis.pttl(first.pause_key("tg:-100")) <= 30_000


async def test_idle_windows_and_ended_pauses_leave_no_keys(
    redis_url: str, redis_prefix: str
) -> None:
    rate = Rate(2, 0.2)
    async with processes(redis_url, redis_prefix, count=1) as (budgets,):
        at = time.time()
        assert (await budgets.take(spends("x", rate, rate), at, pause=None)).granted
        await budgets.pause("tg:1", at + 0.3, at)
        keys = [
            budgets.window_key("chat:x"),
            budgets.window_key("channel:telegram"),
            budgets.pause_key("tg:1"),
        ]
        ttls = [await budgets.redis.pttl(key) for key in keys]
        assert all(0 < ttl <= 1200 for ttl in ttls[:2]), ttls  # a window plus a second
        assert 0 < ttls[2] <= 300, ttls
        deadline = time.monotonic() + 5
        while await budgets.redis.exists(*keys):
            assert time.monotonic() < deadline, "the keys did not expire"
            await asyncio.sleep(0.05)


async def test_a_desk_shares_its_budgets_only_with_redis_configured(redis_url: str) -> None:
    assert redis_budgets(isolated_settings(operator_group_id=-100)) is None
    shared = redis_budgets(isolated_settings(operator_group_id=-100, redis_url=redis_url))
    assert shared is not None
    try:  # every key of one desk in one cluster slot, apart from other desks' keys
        assert shared.window_key("channel:vk") == "botdesk:{-100}:budget:window:channel:vk"
        assert shared.pause_key("tg:-100") == "botdesk:{-100}:budget:pause:tg:-100"
    finally:
        await shared.close()


def log_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """What the shared budgets logged at ``level``."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == level and "shared flood budgets" in r.getMessage()
    ]


async def test_without_redis_the_local_ledger_decides_and_redis_is_used_again(
    redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="botdesk")
    relay = TcpRelay(redis_url)  # closed until opened: the desk's Redis is out
    rate = Rate(1, 60.0)
    client = Redis.from_url(relay.url, socket_connect_timeout=1, socket_timeout=1)
    budgets = RedisBudgets(client, prefix=f"{redis_prefix}:", retry=(0.01, 0.05))
    try:
        for n in range(20):  # every send goes ahead: only the local ledger counts now
            grant = await budgets.take(spends("x", rate, rate), EPOCH + n, pause="tg:1")
            assert grant.granted and grant.token is None
            await budgets.pause("tg:1", EPOCH + 100, EPOCH + n)
            await asyncio.sleep(0.005)
        assert len(log_lines(caplog, logging.WARNING)) == 1
        assert budgets.outage.failures > 1  # tried again while out, not once only
        await relay.open()
        await until_true(lambda: budgets.take(spends("x", rate, rate), EPOCH + 30, pause=None))
        assert not (await budgets.take(spends("x", rate, rate), EPOCH + 31, pause=None)).granted
        assert len(log_lines(caplog, logging.INFO)) == 1
        assert len(log_lines(caplog, logging.WARNING)) == 1
    finally:
        await budgets.close()
        await relay.close()


async def until_true(call: Callable[[], Awaitable[Grant]], within: float = 5.0) -> None:
    """Call ``call`` until it grants through Redis."""
    deadline = time.monotonic() + within
    while True:
        grant = await call()
        if grant.granted and grant.token is not None:
            return
        assert time.monotonic() < deadline, "Redis was not used again"
        await asyncio.sleep(0.02)
