"""A VK event that keeps failing is set aside; an outage is waited out; neither blocks VK."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from vkbottle import API, AiohttpClient

from botdesk.cli import build_parser
from botdesk.dead_letters_cli import dead_letters
from bots.vk.callback_api import callback_app
from bots.vk.channel import VkChannel
from bots.vk.dispatch import VkDispatcher
from bots.vk.polling import VkLongPoll
from core.config import Settings
from core.context import DeskContext
from core.db import close_db, init_db
from core.enums import Channel
from core.intake.containment import RetryPolicy
from core.intake.dead_letters import Letter, recent, set_aside
from core.models import Message
from sandbox.vk import VkSandbox
from tests.botdesk.test_updates import free_port
from tests.bots.test_vk_updates import GROUP, World, cursor, no_fetch, stored
from tests.fixtures.telegram_sandbox import DeskWorld
from tests.fixtures.vk_desk import vk_settings

FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.1)


@pytest.fixture
async def world(vk_sandbox: VkSandbox, db: str) -> AsyncIterator[World]:
    made = World(vk_sandbox)
    yield made
    await made.api.http_client.close()


def fast_poller(world: World, handle: Any = None) -> VkLongPoll:
    return VkLongPoll(
        world.api, world.community.id, handle or world.dispatcher.handle, wait=1, policy=FAST
    )


async def test_a_malformed_event_is_set_aside_and_the_next_message_is_stored(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    vk = world.vk
    forged = {"message": {"id": 1, "from_id": "abc", "peer_id": "abc", "text": "hi"}}
    with caplog.at_level(logging.INFO):
        async with world.polling(fast_poller(world)) as poller:
            vk.world.longpolls[world.community.id].push("message_new", forged)
            vk.user_writes(world.community, world.user, "after the bad one")
            [message] = await stored(1, vk)
            await vk.wait_for(lambda: poller.ts is not None and int(poller.ts) >= 2)
    assert message.text == "after the bad one"
    [letter] = await recent()
    assert letter.channel is Channel.VK
    assert letter.payload["object"] == forged and letter.update_id == letter.payload["event_id"]
    assert letter.error.startswith("ValueError: invalid literal for int()")
    assert int(await cursor(world)) >= 2  # both acknowledged
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None


async def test_an_outage_is_waited_out_and_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    vk = world.vk
    calls: list[str] = []

    async def database_down_for_a_while(event: dict[str, Any]) -> None:
        calls.append(event["object"]["message"]["text"])
        if len(calls) <= 6:
            raise ConnectionResetError("connection reset by peer")
        await world.dispatcher.handle(event)

    with caplog.at_level(logging.INFO, logger="bots.vk.polling"):
        async with world.polling(fast_poller(world, database_down_for_a_while)):
            vk.user_writes(world.community, world.user, "patience")
            [message] = await stored(1, vk)
    assert message.text == "patience" and calls == ["patience"] * 7
    assert await recent() == []
    assert [r.levelname for r in caplog.records if r.name == "bots.vk.polling"] == [
        "WARNING",
        "INFO",
    ]


def callback_event(**extra: Any) -> dict[str, Any]:
    return {"type": "message_new", "group_id": 77, "event_id": "e1", "v": "5.199",
            "object": {"message": {"id": 1}}, "secret": "s3cret", **extra}  # fmt: skip


async def callback_client(handle: Any) -> TestClient:  # type: ignore[type-arg]
    app = callback_app(handle, group_id=77, confirmation="c", secret="s3cret")
    return TestClient(TestServer(app))


async def test_callback_api_answers_ok_for_a_dead_letter_and_500_during_an_outage(
    db: str,
) -> None:
    async def bug(event: dict[str, Any]) -> None:
        raise KeyError("peer_id")

    async with await callback_client(bug) as client:
        response = await client.post("/vk/callback", json=callback_event())
        assert (response.status, await response.text()) == (200, "ok")  # VK stops resending
    [letter] = await recent()
    assert letter.update_id == "e1" and "secret" not in letter.payload
    assert letter.error == "KeyError: 'peer_id'"

    async def outage(event: dict[str, Any]) -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    async with await callback_client(outage) as client:
        response = await client.post("/vk/callback", json=callback_event(event_id="e2"))
        assert response.status == 500  # VK sends it again later
        response = await client.post("/vk/callback", json=callback_event(group_id="abc"))
        assert response.status == 200  # not ours, and no traceback either
    assert len(await recent()) == 1


async def test_a_vk_dead_letter_is_replayed_through_the_vk_event_handler(
    desk_world: DeskWorld,
    vk_sandbox: VkSandbox,
    desk_settings: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may leave files in the working tree
    vk = vk_sandbox
    community = vk.create_community("Acme")
    customer = vk.create_user("Pyotr", "Sidorov", screen_name="pyotr", lang="ru")
    settings = vk_settings(desk_world, vk, community, desk_settings)
    vk.user_writes(community, customer, "Где мой заказ?")
    [(_, event)] = vk.world.longpolls[community.id].events
    await init_db(settings.database_url)
    try:
        await set_aside(Letter(Channel.VK, event["event_id"], event), "KeyError: 'x'", 3)
        out, err = io.StringIO(), io.StringIO()
        args = build_parser().parse_args(["dead-letters", "replay", "1"])
        code = await dead_letters(settings, args, out, err)
        assert (code, err.getvalue()) == (0, "")
        assert out.getvalue().startswith("Dead letter #1 replayed: message_new from")
        await init_db(settings.database_url)  # the command closed the connection it used
        [message] = await Message.filter(channel=Channel.VK)
        assert message.text == "Где мой заказ?"
        [letter] = await recent()
        assert letter.replayed
    finally:
        await close_db()


async def test_vk_unreachable_is_logged_once_and_the_long_poll_carries_on(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    vk = VkSandbox(rate_limit=None)
    community = vk.create_community("Acme")
    user = vk.create_user("Иван", "Петров", screen_name="ivan", lang="ru")
    port = free_port()  # nothing listens there yet: VK is unreachable
    api = API(community.token, http_client=AiohttpClient())
    api.API_URL = f"http://127.0.0.1:{port}/method/"
    dispatcher = VkDispatcher(
        VkChannel(api, no_fetch), DeskContext(group_chat_id=GROUP), company="Acme"
    )
    poller = VkLongPoll(api, community.id, dispatcher.handle, wait=1, policy=FAST)
    stop = asyncio.Event()

    def said(level: str) -> bool:
        return any(r.levelname == level and r.name == "bots.vk.polling" for r in caplog.records)

    with caplog.at_level(logging.INFO, logger="bots.vk.polling"):
        task = asyncio.create_task(poller.run(stop))
        try:
            await vk.wait_for(lambda: said("WARNING"), timeout=10)
            await vk.start(port=port)  # VK is back
            await vk.wait_for(lambda: said("INFO"), timeout=30)
            vk.user_writes(community, user, "снова на связи")
            [message] = await stored(1, vk)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)
            await api.http_client.close()
            await vk.stop()
    assert message.text == "снова на связи"
    lines = [r for r in caplog.records if r.name == "bots.vk.polling"]
    assert [r.levelname for r in lines] == ["WARNING", "INFO"]
    assert "VK long poll wait" in lines[0].getMessage() and lines[0].exc_info is None
