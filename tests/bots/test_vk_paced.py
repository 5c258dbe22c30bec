"""Calls outside the outbox share the community's 20 requests a second with it.

The real vkbottle API against the VK sandbox with VK's limit on: a burst of intake
calls is refused with error 6 when nothing paces it, and gets through whole when the
calls book their share of the outbox's budget first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from vkbottle import AiohttpClient

from botdesk.redis_budgets import RedisBudgets
from bots.vk.errors import FailFastRescheduler, vk_errors
from bots.vk.paced import PacedAPI
from core.clock import SystemClock
from core.enums import DestinationKind
from core.errors import RetryLater
from core.outbox.attempt import Attempt
from core.outbox.budgets import BudgetLedger, Budgets, Rate
from core.outbox.shared_budgets import SharedLedger
from sandbox.vk import Community, VkSandbox

BURST = 45


@pytest.fixture
async def limited() -> AsyncIterator[VkSandbox]:
    async with VkSandbox(rate_limit=20) as vk:
        yield vk


def api_for(vk: VkSandbox, community: Community) -> PacedAPI:
    api = PacedAPI(
        community.token, http_client=AiohttpClient(), request_rescheduler=FailFastRescheduler()
    )
    api.API_URL = vk.api_url
    return api


async def burst(api: PacedAPI, users: list[int]) -> list[BaseException | None]:
    async def one(user: int) -> BaseException | None:
        try:
            async with vk_errors():
                await api.request("users.get", {"user_ids": str(user)})
        except RetryLater as exc:
            return exc
        return None

    return await asyncio.gather(*(one(user) for user in users))


async def test_a_paced_burst_gets_through_and_the_outbox_sees_it(limited: VkSandbox) -> None:
    vk = limited
    community = vk.create_community("Acme")
    users = [vk.create_user(f"U{i}", "Burst").id for i in range(BURST)]
    api = api_for(vk, community)
    try:
        assert any(await burst(api, users)), "unpaced, the burst runs into error 6"
        refused = vk.refused()
        await asyncio.sleep(1.1)  # let VK's window empty
        # Half of VK's limit: the test must not depend on how fast loopback answers.
        ledger = BudgetLedger(Budgets(vk_channel=Rate(10, 1.0)))
        api.pace_with(SharedLedger(ledger), SystemClock())
        paced = asyncio.create_task(burst(api, users[:25]))
        # while the burst waits for its turns, an outbox send would wait behind it
        await vk.wait_for(lambda: len(vk.calls("users.get")) >= BURST + 10, timeout=5)
        verdict = ledger.check(DestinationKind.VK, "vk:1", 1, SystemClock().now().timestamp())
        assert verdict.blocking == ("channel:vk",), "the outbox waits behind the intake"
        assert not any(await paced)
        assert vk.refused() == refused, "no paced call was refused"
        # Inside an outbox attempt the worker budgeted the call already: it books nothing.
        single = BudgetLedger(Budgets(vk_channel=Rate(1, 60.0)))
        api.pace_with(SharedLedger(single), SystemClock())
        with Attempt():
            await api.request("users.get", {"user_ids": str(users[0])})
        assert single.reserve(DestinationKind.VK, SystemClock().now().timestamp()) == 0.0
    finally:
        await api.http_client.close()


@pytest.mark.redis
async def test_two_processes_intakes_share_the_communitys_limit(
    limited: VkSandbox, redis_url: str, redis_prefix: str
) -> None:
    """Two desk processes, each with its own ledger, book their intake calls in the
    budgets they share through Redis: together they stay within VK's limit."""
    vk = limited
    community = vk.create_community("Acme")
    users = [vk.create_user(f"U{i}", "Two").id for i in range(BURST)]
    apis, clients = [], []
    for _ in range(2):
        client = Redis.from_url(redis_url)
        shared = RedisBudgets(client, prefix=f"{redis_prefix}:")
        api = api_for(vk, community)
        # each process alone keeps to 15 a second: two unshared would send 30
        api.pace_with(
            SharedLedger(BudgetLedger(Budgets(vk_channel=Rate(15, 1.0))), shared), SystemClock()
        )
        apis.append(api)
        clients.append(shared)
    try:
        refused = vk.refused()
        half = len(users) // 2
        results = await asyncio.gather(burst(apis[0], users[:half]), burst(apis[1], users[half:]))
        assert not any(results[0]) and not any(results[1])
        assert vk.refused() == refused, "no call of either process was refused"
    finally:
        for api in apis:
            await api.http_client.close()
        for shared in clients:
            await shared.close()
