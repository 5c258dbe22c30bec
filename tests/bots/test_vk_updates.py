"""VK updates end to end: long poll → dispatcher → core, against the VK sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from vkbottle import API

from bots.vk.backlog import waiting_events
from bots.vk.channel import VkChannel
from bots.vk.dispatch import VkDispatcher
from bots.vk.polling import VkLongPoll, cursor_name
from core.context import DeskContext
from core.entities import Attachment, Choice, ChoicePress
from core.enums import Channel, MessageKind
from core.models import ChannelCursor, Customer, Message
from sandbox.vk import Community, VkSandbox, VkUser
from tests.fixtures.vk_sandbox import sandbox_api

GROUP = -100500


async def no_fetch(attachment: Attachment) -> bytes:
    raise AssertionError("nothing is delivered in these tests")


class World:
    def __init__(self, vk: VkSandbox) -> None:
        self.vk = vk
        self.community: Community = vk.create_community("Acme")
        self.user: VkUser = vk.create_user("Иван", "Петров", screen_name="ivan", lang="ru")
        self.api: API = sandbox_api(vk, self.community)
        self.channel = VkChannel(self.api, no_fetch)
        self.presses: list[ChoicePress] = []
        self.dispatcher = VkDispatcher(
            self.channel, DeskContext(group_chat_id=GROUP), company="Acme", on_choice=self.choose
        )

    async def choose(self, press: ChoicePress) -> str | None:
        self.presses.append(press)
        return "Thanks for the rating!"

    def poller(self, handle: Any = None) -> VkLongPoll:
        return VkLongPoll(self.api, self.community.id, handle or self.dispatcher.handle, wait=1)

    @asynccontextmanager
    async def polling(
        self, poller: VkLongPoll | None = None, *, kill: bool = False
    ) -> AsyncIterator[VkLongPoll]:
        """Run a poller for the block; ``kill`` ends it abruptly, as SIGKILL would."""
        poller = poller or self.poller()
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        await self.vk.wait_for(lambda: poller.ts is not None or task.done())
        try:
            yield poller
        finally:
            stop.set()
            if kill:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            else:
                await asyncio.wait_for(task, timeout=5)

    def bot_messages(self) -> list[Any]:
        return [m for m in self.vk.chat(self.community, self.user) if m.from_id < 0]


@pytest.fixture
async def world(vk_sandbox: VkSandbox, db: str) -> AsyncIterator[World]:
    made = World(vk_sandbox)
    yield made
    await made.api.http_client.close()


async def stored(count: int, vk: VkSandbox) -> list[Message]:
    async def probe() -> list[Message]:
        return await Message.filter(channel=Channel.VK).order_by("id")

    for _ in range(250):
        found = await probe()
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{count} messages not stored")


async def cursor(world: World) -> str:
    row = await ChannelCursor.get(name=cursor_name(world.community.id))
    return row.value


async def test_messages_are_ingested_and_the_ts_is_stored(world: World) -> None:
    vk = world.vk
    async with world.polling() as poller:
        first = vk.user_writes(world.community, world.user, "Здравствуйте")
        vk.user_writes(
            world.community, world.user, "вот", attachments=[vk.photo(), vk.photo()], reply_to=first
        )
        messages = await stored(2, vk)
        await vk.wait_for(lambda: poller.ts is not None and int(poller.ts) >= 3)
    hello, photos = messages
    assert hello.text == "Здравствуйте" and hello.customer_message_id == first.id
    assert photos.kind is MessageKind.PHOTO and len(photos.attachments) == 2
    assert photos.reply_to_id == hello.id
    customer = await Customer.get(channel=Channel.VK, external_id=world.user.id)
    assert (customer.first_name, customer.username, customer.language) == ("Иван", "ivan", "ru")
    assert int(await cursor(world)) == 3


async def test_start_greets_without_a_ticket(world: World) -> None:
    vk = world.vk
    async with world.polling():
        vk.user_writes(world.community, world.user, "Начать", payload={"command": "start"})
        vk.user_writes(world.community, world.user, "/start")
        await vk.wait_for(lambda: len(world.bot_messages()) == 2)
    assert all("Acme" in m.text and "<b>" not in m.text for m in world.bot_messages())
    assert await Customer.all().count() == 0


async def test_edit_reaches_the_stored_message(world: World) -> None:
    vk = world.vk
    async with world.polling():
        sent = vk.user_writes(world.community, world.user, "tpyo")
        await stored(1, vk)
        vk.user_edits(world.community, world.user, sent, "typo")

        async def edited() -> bool:
            return (await Message.get(customer_message_id=sent.id)).text == "typo"

        for _ in range(250):
            if await edited():
                break
            await asyncio.sleep(0.02)
    assert await edited()


async def test_callback_press_is_a_choice_with_a_snackbar(world: World) -> None:
    vk = world.vk
    vk.user_writes(world.community, world.user, "hi")
    await world.channel.send_choices(world.user.id, "Rate", [Choice("5", "rate:5")], key="c")
    [rating] = world.bot_messages()
    async with world.polling():
        vk.press_button(world.community, world.user, rating, {"choice": "rate:5"})
        await vk.wait_for(lambda: vk.event_answers(world.community))
    [press] = world.presses
    assert press.data == "rate:5" and press.chat_id == world.user.id
    assert press.profile.channel is Channel.VK and press.profile.first_name == "Иван"
    [answer] = vk.event_answers(world.community)
    assert "Thanks for the rating!" in str(answer)


async def test_text_button_press_is_a_choice_too(world: World) -> None:
    vk = world.vk
    async with world.polling():
        vk.user_writes(world.community, world.user, "5", payload={"choice": "rate:5"})
        await vk.wait_for(lambda: world.bot_messages())
    assert [p.data for p in world.presses] == ["rate:5"]
    assert world.bot_messages()[0].text == "Thanks for the rating!"
    assert await Message.all().count() == 0


async def test_deny_and_allow_toggle_reachability(world: World) -> None:
    vk = world.vk

    async def blocked() -> bool:
        return (await Customer.get(external_id=world.user.id)).is_blocked

    async with world.polling():
        vk.user_writes(world.community, world.user, "hello")
        await stored(1, vk)
        vk.disallow_messages(world.community, world.user)
        for _ in range(250):
            if await blocked():
                break
            await asyncio.sleep(0.02)
        assert await blocked()
        vk.allow_messages(world.community, world.user)
        for _ in range(250):
            if not await blocked():
                break
            await asyncio.sleep(0.02)
    assert not await blocked()


async def test_an_unhandled_response_is_fetched_again_after_a_restart(world: World) -> None:
    vk = world.vk
    seen: list[str] = []
    gate = asyncio.Event()

    async def stuck(event: dict[str, Any]) -> None:
        seen.append(event["object"]["message"]["text"])
        await gate.wait()  # never released: the process "dies" while handling

    async with world.polling(world.poller(stuck), kill=True) as poller:
        before = poller.ts
        vk.user_writes(world.community, world.user, "one")
        await vk.wait_for(lambda: seen)
    assert await cursor(world) == before  # not acknowledged

    async with world.polling():
        await stored(1, vk)
    assert seen == ["one"]
    assert (await Message.get()).text == "one"
    assert int(await cursor(world)) == int(before or 0) + 1


async def test_a_failing_event_is_retried_not_skipped(world: World) -> None:
    vk = world.vk
    calls: list[str] = []

    async def flaky(event: dict[str, Any]) -> None:
        calls.append(event["object"]["message"]["text"])
        if len(calls) == 1:
            raise RuntimeError("database hiccup")

    async with world.polling(world.poller(flaky)):
        vk.user_writes(world.community, world.user, "a")
        vk.user_writes(world.community, world.user, "b")
        await vk.wait_for(lambda: len(calls) >= 3, timeout=5)
    assert calls[:3] == ["a", "a", "b"]


@pytest.mark.parametrize("failed", [1, 2, 3])
async def test_long_poll_failures_are_recovered(world: World, failed: int) -> None:
    vk = world.vk
    async with world.polling():
        vk.longpoll_fail_next(world.community, failed)
        await asyncio.sleep(0.1)
        vk.user_writes(world.community, world.user, "still here")
        await stored(1, vk)
    assert len(vk.calls("groups.getLongPollServer")) == (1 if failed == 1 else 2)


async def test_a_batch_of_new_customers_costs_one_users_get(world: World) -> None:
    vk = world.vk
    async with world.polling():
        pass  # the cursor is stored: what is written next waits for the next run
    people = [vk.create_user(f"Клиент{n}", "Тестов", lang="ru") for n in range(3)]
    for person in people:
        vk.user_writes(world.community, person, f"вопрос от {person.first_name}")
    dispatcher = world.dispatcher
    poller = VkLongPoll(
        world.api, world.community.id, dispatcher.handle, wait=1, prepare=dispatcher.prepare
    )
    async with world.polling(poller):
        await stored(3, vk)
    asked = [params for _, params in vk.calls("users.get")]
    assert len(asked) == 1
    assert sorted(asked[0]["user_ids"].split(",")) == sorted(str(p.id) for p in people)
    names = {c.first_name for c in await Customer.filter(channel=Channel.VK)}
    assert names == {p.first_name for p in people}


def catching_up(world: World, handle: Any = None) -> VkLongPoll:
    """A long poll that reads what waited in VK on its first start, as the desk's does."""
    return VkLongPoll(
        world.api,
        world.community.id,
        handle or world.dispatcher.handle,
        wait=1,
        backlog=lambda: waiting_events(world.api),
    )


async def test_the_first_start_takes_in_what_waited_and_later_starts_do_not(world: World) -> None:
    vk, community = world.vk, world.community
    anna = vk.create_user("Анна", "Ждущая", lang="ru")
    olga = vk.create_user("Ольга", "Отвеченная", lang="ru")
    vk.user_writes(community, world.user, "c1-m0 до подключения")
    vk.user_writes(community, olga, "c2-m0 уже отвечено")
    vk.user_writes(community, anna, "c3-m0 первое")
    # the community answered Ольга in VK itself, before botdesk
    await world.api.request(
        "messages.send", {"peer_id": olga.id, "message": "ответ из VK", "random_id": 5}
    )
    vk.user_writes(community, anna, "c3-m1 второе")
    vk.user_writes(community, world.user, "c1-m1 ещё")

    async with world.polling(catching_up(world)) as first:
        messages = await stored(4, vk)
        await vk.wait_for(lambda: first.ts is not None)
        after = vk.user_writes(community, anna, "c3-m2 после")
        messages = await stored(5, vk)
    per_customer: dict[int, list[str]] = {}
    for message in messages:
        per_customer.setdefault(message.customer_chat_id, []).append(message.text)
    # each waiting customer's messages once and in order; Ольга was answered already
    assert per_customer == {
        world.user.id: ["c1-m0 до подключения", "c1-m1 ещё"],
        anna.id: ["c3-m0 первое", "c3-m1 второе", "c3-m2 после"],
    }
    assert messages[-1].customer_message_id == after.id
    asked = len(vk.calls("messages.getConversations"))
    async with world.polling(catching_up(world)):  # the ts is stored now: no second read
        vk.user_writes(community, anna, "c3-m3 потом")
        await stored(6, vk)
    assert len(vk.calls("messages.getConversations")) == asked == 1


async def test_a_kill_while_taking_in_what_waited_repeats_it_and_doubles_nothing(
    world: World,
) -> None:
    vk = world.vk
    for n in range(3):
        vk.user_writes(world.community, world.user, f"c1-m{n} ждёт")
    handled = 0

    async def dies_at_the_second(event: dict[str, Any]) -> None:
        nonlocal handled
        handled += 1
        if handled == 2:
            await asyncio.Event().wait()  # the process is killed right here
        await world.dispatcher.handle(event)

    async with world.polling(catching_up(world, dies_at_the_second), kill=True):
        await stored(1, vk)
    assert await ChannelCursor.get_or_none(name=cursor_name(world.community.id)) is None
    async with world.polling(catching_up(world)) as again:
        messages = await stored(3, vk)
        await vk.wait_for(lambda: again.ts is not None)
    await asyncio.sleep(0.1)
    assert [m.text for m in await stored(3, vk)] == [f"c1-m{n} ждёт" for n in range(3)]
    assert int(await cursor(world)) >= 3 and len(messages) == 3
