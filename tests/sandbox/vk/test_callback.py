"""The Callback API: confirmation, events pushed with the secret, redelivery in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox.vk import Community, VkSandbox, VkUser
from sandbox.vk.callback import RETRY_HEADER

RETRY = 0.05  # seconds between two tries of one event, instead of VK's


@dataclass
class Receiver:
    """A tiny Callback API endpoint: answers the confirmation with ``confirmation``, and
    each event with the next of ``answers`` (status, body), then ``ok``."""

    confirmation: str = ""
    answers: list[tuple[int, str]] = field(default_factory=list)
    hang: int = 0  # the first ``hang`` events get no answer at all
    received: list[dict[str, Any]] = field(default_factory=list)
    handled: list[dict[str, Any]] = field(default_factory=list)  # acknowledged with "ok"
    retries: list[str | None] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["type"] == "confirmation":
            return web.Response(text=self.confirmation)
        self.received.append(body)
        self.retries.append(request.headers.get(RETRY_HEADER))
        if self.hang > 0:
            self.hang -= 1
            await asyncio.sleep(10)
        if self.answers:
            status, text = self.answers.pop(0)
            return web.Response(status=status, text=text)
        self.handled.append(body)
        return web.Response(text="ok")

    def texts(self, events: list[dict[str, Any]]) -> list[str]:
        return [event["object"]["message"]["text"] for event in events]


@pytest.fixture
async def receiver(vk_sandbox: VkSandbox, community: Community) -> AsyncIterator[Receiver]:
    vk_sandbox.callbacks.retry_delay = RETRY
    rec = Receiver(confirmation=community.confirmation)
    app = web.Application()
    app.router.add_post("/vk/callback", rec.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/vk/callback"
    yield rec
    await vk_sandbox.callbacks.close()  # before the receiver goes: no retries meanwhile
    await runner.cleanup()


async def test_events_are_pushed_with_the_secret_instead_of_the_long_poll(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    assert await vk_sandbox.set_callback_server(community, receiver.url, secret="s3cr3t")
    sent = vk_sandbox.user_writes(community, ivan, "hello")
    vk_sandbox.user_edits(community, ivan, sent, "hello!")
    await vk_sandbox.wait_for(lambda: len(receiver.handled) == 2)
    new, edit = receiver.handled
    assert set(new) == {"type", "object", "group_id", "event_id", "v", "secret"}
    assert (new["type"], new["group_id"], new["secret"]) == ("message_new", community.id, "s3cr3t")
    assert new["object"]["message"]["text"] == "hello" and "client_info" in new["object"]
    assert (edit["type"], edit["object"]["text"]) == ("message_edit", "hello!")
    assert new["event_id"] != edit["event_id"]
    assert vk_sandbox.longpoll_events(community) == [], "one delivery mechanism, not both"
    assert receiver.retries == [None, None]
    info = vk_sandbox.callback_info(community)
    assert info == {
        "url": receiver.url, "confirmed": True, "pending": 0, "delivered": 2,
        "redelivered": 0, "last_error": None,
    }  # fmt: skip


async def test_an_event_is_sent_again_until_ok_and_the_order_is_kept(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    receiver.answers = [(500, "boom"), (200, "not ok"), (200, "")]
    assert await vk_sandbox.set_callback_server(community, receiver.url, secret="abc")
    for text in ("first", "second", "third"):
        vk_sandbox.user_writes(community, ivan, text)
    await vk_sandbox.wait_for(lambda: len(receiver.handled) == 3)
    assert receiver.texts(receiver.received) == ["first"] * 4 + ["second", "third"]
    assert receiver.texts(receiver.handled) == ["first", "second", "third"]
    assert len({event["event_id"] for event in receiver.received[:4]}) == 1, "the same event"
    assert receiver.retries == [None, "1", "2", "3", None, None]
    assert {event["secret"] for event in receiver.received} == {"abc"}
    info = vk_sandbox.callback_info(community)
    assert info is not None and (info["delivered"], info["redelivered"]) == (3, 3)
    assert info["last_error"] == "Wrong answer: '' instead of 'ok'"


async def test_no_answer_in_time_is_a_failure_too(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    vk_sandbox.callbacks.timeout = 0.2
    receiver.hang = 1
    assert await vk_sandbox.set_callback_server(community, receiver.url)
    vk_sandbox.user_writes(community, ivan, "slow")
    await vk_sandbox.wait_for(lambda: receiver.handled)
    assert receiver.texts(receiver.received) == ["slow", "slow"]
    assert "secret" not in receiver.received[0], "no secret key set, none sent"
    info = vk_sandbox.callback_info(community)
    assert info is not None and info["last_error"] == "Read timeout expired"


async def test_an_unconfirmed_server_gets_nothing_until_it_answers_right(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    receiver.confirmation = "something else"
    assert not await vk_sandbox.set_callback_server(community, receiver.url, secret="x")
    vk_sandbox.user_writes(community, ivan, "waiting")
    await asyncio.sleep(5 * RETRY)
    assert receiver.received == [] and vk_sandbox.longpoll_events(community) == []
    info = vk_sandbox.callback_info(community)
    assert info is not None and not info["confirmed"] and info["pending"] == 1
    assert info["last_error"] == "Invalid response code: 'something else'"
    receiver.confirmation = community.confirmation
    assert await vk_sandbox.confirm_callback_server(community)
    await vk_sandbox.wait_for(lambda: receiver.handled)
    assert receiver.texts(receiver.handled) == ["waiting"]


async def test_removing_an_unreachable_server_hands_its_events_to_the_long_poll(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    assert await vk_sandbox.set_callback_server(community, receiver.url)
    await vk_sandbox.set_callback_server(community, "http://127.0.0.1:9/nowhere")
    assert await vk_sandbox.confirm_callback_server(community) is False
    vk_sandbox.user_writes(community, ivan, "one")
    vk_sandbox.user_writes(community, ivan, "two")
    info = vk_sandbox.callback_info(community)
    assert info is not None and info["last_error"] == "Connection refused"
    vk_sandbox.remove_callback_server(community)
    assert vk_sandbox.callback_info(community) is None
    polled = vk_sandbox.longpoll_events(community)
    assert [event["object"]["message"]["text"] for event in polled] == ["one", "two"]
    vk_sandbox.user_writes(community, ivan, "three")
    assert len(vk_sandbox.longpoll_events(community)) == 3
    assert receiver.received == []


async def test_the_http_control_api_sets_confirms_reads_and_removes(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    async def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, vk_sandbox.base_url + path, json=body) as response,
        ):
            answer = await response.json()
        assert answer["ok"], answer
        return answer["result"]

    created = await call("POST", "/sandbox/communities", {"name": "Shop"})
    assert len(created["confirmation"]) == 8
    server = {"community_id": community.id, "url": receiver.url, "secret": "k"}
    assert await call("POST", "/sandbox/callback-server", server) is True
    assert await call("POST", "/sandbox/callback-confirm", {"community_id": community.id})
    vk_sandbox.user_writes(community, ivan, "over http")
    await vk_sandbox.wait_for(lambda: receiver.handled)
    info = await call("GET", f"/sandbox/callback-server/{community.id}")
    assert (info["url"], info["delivered"], info["pending"]) == (receiver.url, 1, 0)
    removed = {"community_id": community.id, "url": ""}
    assert await call("POST", "/sandbox/callback-server", removed) is True
    assert await call("GET", f"/sandbox/callback-server/{community.id}") is None


async def test_a_restarted_sandbox_delivers_what_waited(
    vk_sandbox: VkSandbox, community: Community, ivan: VkUser, receiver: Receiver
) -> None:
    assert await vk_sandbox.set_callback_server(community, receiver.url)
    await vk_sandbox.stop()
    vk_sandbox.user_writes(community, ivan, "while down")
    await asyncio.sleep(5 * RETRY)
    assert receiver.received == []
    await vk_sandbox.start()
    await vk_sandbox.wait_for(lambda: receiver.handled)
    assert receiver.texts(receiver.handled) == ["while down"]
