"""Restamps in Redis: a send answered late counts from where it landed, in every process.

Each process is a ``SharedLedger`` (its own ledger and its own Redis client) on the
suite's Redis, under the test's own prefix; the times are seconds since the epoch, as
a live desk's.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from botdesk.redis_budgets import RedisBudgets
from core.enums import DestinationKind
from core.outbox.budgets import BudgetLedger, Budgets, Rate
from core.outbox.shared_budgets import SharedLedger, Spend, Spent
from tests.botdesk.tcp_relay import TcpRelay
from tests.botdesk.test_redis_budgets import EPOCH, processes

pytestmark = pytest.mark.redis

GROUP = DestinationKind.TELEGRAM_GROUP
KEY = "tg:-100"
# one send per 10 s in the group; kept over 10.5 s, so 0.5 s of slack
BUDGETS = Budgets(telegram_group=Rate(1, 10.0), telegram_channel=Rate(1000, 1.0))
CHAT = "chat:telegram_group:tg:-100"


def ledgers(budgets: list[RedisBudgets]) -> list[SharedLedger]:
    """One worker's ledger per process, each sharing through its own client."""
    return [SharedLedger(BudgetLedger(BUDGETS), shared) for shared in budgets]


async def send(ledger: SharedLedger, at: float) -> Spent:
    """Take and spend one group send at ``at`` (it must be granted)."""
    grant = await ledger.take(GROUP, KEY, 1, at)
    assert grant.granted and grant.token is not None
    return ledger.spend(GROUP, KEY, 1, at, grant)


async def test_a_late_send_counts_from_where_it_landed_in_every_process(
    redis_url: str, redis_prefix: str
) -> None:
    async with processes(redis_url, redis_prefix) as pair:
        first, second = ledgers(pair)
        spent = await send(first, EPOCH)
        await first.landed(spent, EPOCH + 3.0)  # answered 3 s after its stamp
        # counted from its stamp it would leave at 10.5; from its answer less the slack:
        late = await second.take(GROUP, KEY, 1, EPOCH + 11.0)
        assert late.blocking == (CHAT,)
        assert late.ready_at == pytest.approx(EPOCH + 13.0)
        assert first.ledger.check(GROUP, KEY, 1, EPOCH + 11.0).ready_at == pytest.approx(
            EPOCH + 13.0
        )
        assert (await second.take(GROUP, KEY, 1, EPOCH + 13.0)).granted


async def test_a_send_landing_within_the_slack_changes_nothing(
    redis_url: str, redis_prefix: str
) -> None:
    async with processes(redis_url, redis_prefix) as pair:
        first, second = ledgers(pair)
        spent = await send(first, EPOCH)
        await first.landed(spent, EPOCH + 0.4)
        window = pair[0].window_key(CHAT)
        assert await pair[0].redis.zscore(window, f"{spent.grant.token}:1") == EPOCH
        assert (await second.take(GROUP, KEY, 1, EPOCH + 10.5)).granted


async def test_a_restamp_never_moves_a_send_earlier(redis_url: str, redis_prefix: str) -> None:
    rate = Rate(2, 10.0)
    spends = [Spend("chat:x", rate, 2, slack=0.5)]
    async with processes(redis_url, redis_prefix, count=1) as (budgets,):
        grant = await budgets.take(spends, EPOCH + 5.0, pause=None)
        assert grant.token is not None
        await budgets.restamp(spends, grant.token, EPOCH + 1.0)
        members = await budgets.redis.zrange(budgets.window_key("chat:x"), 0, -1, withscores=True)
        assert [score for _, score in members] == [EPOCH + 5.0, EPOCH + 5.0]


async def test_a_send_that_left_the_window_in_flight_counts_again(
    redis_url: str, redis_prefix: str
) -> None:
    rate = Rate(1, 1.0)
    spends = [Spend("chat:x", rate, 1, slack=0.05)]
    async with processes(redis_url, redis_prefix) as (first, second):
        grant = await first.take(spends, EPOCH, pause=None)
        assert grant.token is not None
        # another process's take drops it from the window while it is still in flight
        other = await second.take([Spend("chat:x", rate, 1)], EPOCH + 2.0, pause=None)
        assert other.token is not None
        await second.give_back([Spend("chat:x", rate, 1)], other.token)
        await first.restamp(spends, grant.token, EPOCH + 2.5)
        held = await second.take(spends, EPOCH + 2.6, pause=None)
        assert held.ready_at == pytest.approx(EPOCH + 3.45)  # 2.5 - 0.05 + 1


async def test_a_restamped_window_lives_until_the_send_leaves_it(
    redis_url: str, redis_prefix: str
) -> None:
    rate = Rate(1, 0.6)
    spends = [Spend("chat:x", rate, 1, slack=0.05)]
    async with processes(redis_url, redis_prefix, count=1) as (budgets,):
        at = time.time()
        grant = await budgets.take(spends, at, pause=None)
        assert grant.token is not None
        await asyncio.sleep(0.3)
        await budgets.restamp(spends, grant.token, time.time())
        ttl = await budgets.redis.pttl(budgets.window_key("chat:x"))
        assert 1500 <= ttl <= 1600  # the window from the restamp, and a second


async def test_a_restamp_while_redis_is_out_still_counts_the_send_locally(
    redis_url: str, redis_prefix: str
) -> None:
    relay = TcpRelay(redis_url)
    await relay.open()
    client = Redis.from_url(relay.url, socket_connect_timeout=1, socket_timeout=1)
    shared = RedisBudgets(client, prefix=f"{redis_prefix}:", retry=(0.01, 0.05))
    ledger = SharedLedger(BudgetLedger(BUDGETS), shared)
    try:
        spent = await send(ledger, EPOCH)
        await relay.close()
        await ledger.landed(spent, EPOCH + 3.0)  # no error: the local ledger counts it
        assert ledger.ledger.check(GROUP, KEY, 1, EPOCH + 11.0).ready_at == pytest.approx(
            EPOCH + 13.0
        )
    finally:
        await shared.close()
        await relay.close()
