"""The Bots Long Poll: vkbottle's BotPolling, ts semantics and the failed codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from vkbottle import API
from vkbottle.polling import BotPolling

from sandbox.vk import Community, VkSandbox, VkUser

KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [[{"action": {"type": "callback", "label": "Ok", "payload": "{}"}}]],
    }
)


class Listener:
    """Runs ``BotPolling.listen()`` in a task and collects every update."""

    def __init__(self, api: API) -> None:
        self.polling = BotPolling(api, wait=25)
        self.updates: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for event in self.polling.listen():
            self.updates.extend(event["updates"])

    def types(self) -> list[str]:
        return [u["type"] for u in self.updates]


@pytest.fixture
async def listener(
    api: API, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Listener]:
    # BotPolling saves its ts under ./.vkbottle; keep that out of the working tree.
    monkeypatch.chdir(tmp_path)
    started = Listener(api)
    yield started
    started.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await started.task


async def test_botpolling_delivers_events_in_order(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API, listener: Listener
) -> None:
    await vk_sandbox.wait_for(lambda: vk_sandbox.calls("groups.getLongPollServer"))
    first = vk_sandbox.user_writes(community, ivan, "hello", payload={"command": "start"})
    vk_sandbox.user_edits(community, ivan, first, "hello!")
    await api.messages.send(peer_id=ivan.id, message="menu", random_id=1, keyboard=KEYBOARD)
    event_id = vk_sandbox.press_button(community, ivan, vk_sandbox.chat(community, ivan)[-1], {})
    vk_sandbox.disallow_messages(community, ivan)
    vk_sandbox.allow_messages(community, ivan)
    await vk_sandbox.wait_for(lambda: len(listener.updates) >= 5)
    assert listener.types() == [
        "message_new",
        "message_edit",
        "message_event",
        "message_deny",
        "message_allow",
    ]
    new, edit, press, deny, allow = listener.updates
    assert new["group_id"] == community.id and new["v"] == "5.199"
    assert new["object"]["message"]["text"] == "hello"
    assert new["object"]["message"]["payload"] == '{"command": "start"}'
    assert new["object"]["client_info"]["lang_id"] == 0
    assert "callback" in new["object"]["client_info"]["button_actions"]
    assert edit["object"]["text"] == "hello!" and edit["object"]["id"] == first.id
    assert press["object"]["event_id"] == event_id and press["object"]["payload"] == {}
    assert press["object"]["conversation_message_id"] == 2
    assert deny["object"] == {"user_id": ivan.id}
    assert allow["object"]["user_id"] == ivan.id


async def test_botpolling_recovers_from_failed_codes(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, listener: Listener
) -> None:
    def servers() -> int:
        return len(vk_sandbox.calls("groups.getLongPollServer"))

    await vk_sandbox.wait_for(servers)
    vk_sandbox.longpoll_fail_next(community, 2)
    vk_sandbox.user_writes(community, ivan, "after key expired")
    await vk_sandbox.wait_for(lambda: len(listener.updates) == 1)
    assert servers() == 2  # a new key, the old ts kept: the message was not lost
    vk_sandbox.longpoll_fail_next(community, 3)
    await vk_sandbox.wait_for(lambda: servers() == 3)
    vk_sandbox.longpoll_fail_next(community, 1)
    # failed 1 moves ts to "now": anything written before it is answered is skipped
    await vk_sandbox.wait_for(lambda: not vk_sandbox.world.longpolls[community.id].forced)
    vk_sandbox.user_writes(community, ivan, "after everything", callback_buttons=False)
    await vk_sandbox.wait_for(lambda: len(listener.updates) == 2)
    last = listener.updates[-1]["object"]
    assert last["message"]["text"] == "after everything"
    assert "callback" not in last["client_info"]["button_actions"]


async def _check(session: ClientSession, server: dict[str, Any], ts: Any, wait: int = 0) -> Any:
    params = {"act": "a_check", "key": server["key"], "ts": str(ts), "wait": str(wait)}
    async with session.get(server["server"], params=params) as response:
        return await response.json()


async def test_ts_semantics_and_failures(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, api: API
) -> None:
    server = (await api.request("groups.getLongPollServer", {"group_id": community.id}))["response"]
    assert server["server"] == f"{vk_sandbox.base_url}/longpoll/{community.id}"
    start = int(server["ts"])
    for text in ("one", "two", "three"):
        vk_sandbox.user_writes(community, ivan, text)
    async with ClientSession() as session:
        got = await _check(session, server, start)
        assert [u["object"]["message"]["text"] for u in got["updates"]] == ["one", "two", "three"]
        assert int(got["ts"]) == start + 3
        again = await _check(session, server, start + 1)  # an older ts replays from there
        assert [u["object"]["message"]["text"] for u in again["updates"]] == ["two", "three"]
        assert (await _check(session, server, got["ts"])) == {"ts": got["ts"], "updates": []}

        waiting = asyncio.create_task(_check(session, server, got["ts"], wait=20))
        await vk_sandbox.wait_for(lambda: vk_sandbox.chat(community, ivan))
        vk_sandbox.user_writes(community, ivan, "four")
        woke = await waiting
        assert [u["object"]["message"]["text"] for u in woke["updates"]] == ["four"]

        vk_sandbox.world.longpolls[community.id].history = 2
        vk_sandbox.user_writes(community, ivan, "five")
        assert await _check(session, server, start) == {"failed": 1, "ts": start + 5}
        vk_sandbox.longpoll_fail_next(community, 1)
        assert await _check(session, server, start + 4) == {"failed": 1, "ts": start + 5}
        assert await _check(session, {**server, "key": "bogus"}, start + 4) == {"failed": 2}
        vk_sandbox.longpoll_fail_next(community, 2)
        assert await _check(session, server, start + 4) == {"failed": 2}
        assert await _check(session, server, start + 4) == {"failed": 2}  # the key is gone
        fresh = (await api.request("groups.getLongPollServer", {"group_id": community.id}))[
            "response"
        ]
        assert len((await _check(session, fresh, start + 4))["updates"]) == 1
        vk_sandbox.longpoll_fail_next(community, 3)
        assert await _check(session, fresh, start + 4) == {"failed": 3}
