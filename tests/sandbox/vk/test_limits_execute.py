"""The 20 requests/s per-token limit (on a manual clock) and ``execute``."""

from __future__ import annotations

import pytest
from vkbottle import API, VKAPIError

from sandbox.vk import Community, VkSandbox, VkUser
from tests.fixtures.vk_sandbox import sandbox_api


class ManualClock:
    """Monotonic seconds that move only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_twenty_requests_per_second_per_token() -> None:
    clock = ManualClock()
    async with VkSandbox(rate_limit=20, clock=clock) as vk:
        first, second = vk.create_community("One"), vk.create_community("Two")
        api, other = sandbox_api(vk, first), sandbox_api(vk, second)
        for _ in range(20):
            await api.request("groups.getById", {})
        with pytest.raises(VKAPIError[6], match="Too many requests per second"):
            await api.request("groups.getById", {})
        await other.request("groups.getById", {})  # the limit is per token
        clock.now += 0.5
        with pytest.raises(VKAPIError[6]):
            await api.request("groups.getById", {})
        clock.now += 0.5  # the first twenty calls have left the one-second window
        await api.request("groups.getById", {})
        vk.world.limiter.per_second = None
        for _ in range(30):
            await api.request("groups.getById", {})
        await api.http_client.close()
        await other.http_client.close()


async def test_execute_batches_sends(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    vk_sandbox.user_writes(community, ivan, "hello")
    code = (
        f'var a = API.messages.send({{"peer_id": {ivan.id}, "message": "one", "random_id": 1}});'
        f"var b = API.messages.send({{peer_id: {ivan.id}, message: 'two', random_id: 2}});"
        f'return [a, b, API.messages.send({{"peer_id": 1, "message": "x", "random_id": 3}})];'
    )
    raw = await api.request("execute", {"code": code})
    chat = vk_sandbox.chat(community, ivan)
    assert [m.text for m in chat] == ["hello", "one", "two"]
    assert raw["response"] == [chat[1].id, chat[2].id, False]
    assert raw["execute_errors"] == [
        {"method": "messages.send", "error_code": 113, "error_msg": "Invalid user id"}
    ]
    assert [m for m, _ in vk_sandbox.calls()][-4:] == ["execute"] + ["messages.send"] * 3
    with pytest.raises(VKAPIError[12]):
        await api.request("execute", {"code": "while (true) {}"})
    too_many = ";".join(["API.groups.getById()"] * 26) + ";"
    with pytest.raises(VKAPIError[13]):
        await api.request("execute", {"code": too_many})
    assert (await api.request("execute", {"code": "API.groups.getById();"}))["response"] is None
