"""A Telegram and a VK customer at the same time: two topics, and replies never cross."""

from __future__ import annotations

from sandbox.telegram import MessageView
from tests.e2e.conftest import chat_of
from tests.fixtures.vk_desk import VkDeskWorld


def _from_bot(world: VkDeskWorld) -> list[str]:
    messages: list[MessageView] = world.sandbox.messages(chat_of(world.tg))
    return [m.body for m in messages if m.sender_is_bot]


async def test_a_telegram_and_a_vk_customer_get_their_own_topics_and_replies(
    vk_desk: VkDeskWorld,
) -> None:
    world, sb = vk_desk, vk_desk.sandbox
    alice = world.tg.customer
    sb.send_text(alice, world.tg.bot, "Hello from Telegram")
    world.writes("Привет из VK")
    on_telegram = await world.topic(alice.first_name)
    on_vk = await world.topic()
    assert on_telegram.name.endswith(" \u2068Alice Customer\u2069 · Telegram")
    assert on_vk.name.endswith(" \u2068Pyotr Sidorov\u2069 · VK")
    assert on_telegram.thread_id != on_vk.thread_id
    await world.shown(on_telegram, "Hello from Telegram")
    await world.shown(on_vk, "Привет из VK")

    world.operator_says(on_vk, "Ответ для VK")
    world.operator_says(on_telegram, "Answer for Telegram")
    await world.vk_got("Ответ для VK")
    await world.until(lambda: "Answer for Telegram" in _from_bot(world))
    sb.send_text(alice, world.tg.bot, "Second from Telegram")
    world.writes("Второе из VK")
    await world.shown(on_telegram, "Second from Telegram")
    await world.shown(on_vk, "Второе из VK")

    assert [m.text for m in world.got()] == ["Ответ для VK"]
    assert _from_bot(world) == ["Answer for Telegram"]
    assert [m.body for m in world.in_topic(on_telegram)] == [
        "Hello from Telegram",
        "Answer for Telegram",
        "Second from Telegram",
    ]
    assert [m.body for m in world.in_topic(on_vk)] == [
        "Привет из VK",
        "Ответ для VK",
        "Второе из VK",
    ]
