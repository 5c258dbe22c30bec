"""Topic icons, unpinning in a topic and the General topic's methods, through aiogram."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from sandbox.telegram import ApiError
from tests.fixtures.telegram_sandbox import DeskWorld

GENERAL_SERVICE = (
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
)


async def service_kinds(bot: Bot) -> list[str]:
    """The General topic's service messages waiting for ``bot``, by their field."""
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if isinstance(u.message, Message)]
    found = [(m, name) for m in messages for name in GENERAL_SERVICE if getattr(m, name)]
    assert all(m.message_thread_id is None for m, _ in found)  # all of them in General
    return [name for _, name in found]


async def test_only_the_listed_icons_are_accepted(desk_world: DeskWorld, desk_bot: Bot) -> None:
    group = desk_world.group
    icons = await desk_bot.get_forum_topic_icon_stickers()
    assert len(icons) >= 6 and all(s.type == "custom_emoji" and s.custom_emoji_id for s in icons)
    chosen = icons[2].custom_emoji_id
    assert chosen is not None
    topic = await desk_bot.create_forum_topic(group.id, "VIP", icon_custom_emoji_id=chosen)
    assert topic.icon_custom_emoji_id == chosen
    with pytest.raises(TelegramBadRequest, match="DOCUMENT_INVALID"):
        await desk_bot.create_forum_topic(group.id, "Odd", icon_custom_emoji_id="123")
    with pytest.raises(TelegramBadRequest, match="DOCUMENT_INVALID"):
        await desk_bot.edit_forum_topic(group.id, topic.message_thread_id, icon_custom_emoji_id="1")
    # "" removes the icon (aiogram leaves empty strings out of a request, so it goes raw)
    url = desk_world.sandbox.api_url(desk_world.bot.token, "editForumTopic")
    body = {"chat_id": group.id, "message_thread_id": topic.message_thread_id}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body | {"icon_custom_emoji_id": ""}) as answer:
            assert (await answer.json())["ok"] is True
    assert group.topics[topic.message_thread_id].icon_custom_emoji_id is None
    edited = desk_world.sandbox.messages(group, topic=topic.message_thread_id)[-1]
    assert edited.service == {"icon_custom_emoji_id": ""}


async def test_unpin_all_in_one_topic(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    one = await desk_bot.create_forum_topic(group.id, "One")
    two = await desk_bot.create_forum_topic(group.id, "Two")
    cards = [
        await desk_bot.send_message(group.id, "card", message_thread_id=t.message_thread_id)
        for t in (one, two)
    ]
    for card in cards:
        await desk_bot.pin_chat_message(group.id, card.message_id)
    assert await desk_bot.unpin_all_forum_topic_messages(group.id, one.message_thread_id)
    pinned = [m.thread_id for m in sb.messages(group) if m.pinned]
    assert pinned == [two.message_thread_id]
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await desk_bot.unpin_all_forum_topic_messages(group.id, 9999)
    sb.set_bot_rights(group, desk_world.bot, admin=True, can_pin_messages=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage pinned messages"):
        await desk_bot.unpin_all_forum_topic_messages(group.id, two.message_thread_id)


async def test_general_topic_life(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group, guest = desk_world.sandbox, desk_world.group, desk_world.customer
    sb.add_member(group, guest)
    assert await desk_bot.edit_general_forum_topic(group.id, "Lobby")
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await desk_bot.edit_general_forum_topic(group.id, "Lobby")
    assert await desk_bot.close_general_forum_topic(group.id)
    with pytest.raises(ApiError, match="TOPIC_CLOSED"):
        sb.send_text(guest, group, "hello?")
    sb.send_text(desk_world.operator, group, "admins still may")
    await desk_bot.send_message(group.id, "so may the bot")
    assert await desk_bot.reopen_general_forum_topic(group.id)
    assert await desk_bot.hide_general_forum_topic(group.id)
    assert group.general.closed and group.general.hidden
    assert await desk_bot.unhide_general_forum_topic(group.id)
    assert group.general.closed and not group.general.hidden
    assert await service_kinds(desk_bot) == [
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
        "general_forum_topic_hidden",
        "general_forum_topic_unhidden",
    ]


async def test_unpin_all_in_general_keeps_topic_pins(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = await desk_bot.create_forum_topic(group.id, "T")
    rules = await desk_bot.send_message(group.id, "rules")
    card = await desk_bot.send_message(group.id, "card", message_thread_id=topic.message_thread_id)
    for message in (rules, card):
        await desk_bot.pin_chat_message(group.id, message.message_id)
    assert await desk_bot.unpin_all_general_forum_topic_messages(group.id)
    assert [m.body for m in sb.messages(group) if m.pinned] == ["card"]


async def test_general_methods_need_a_forum_and_the_right(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb = desk_world.sandbox
    plain = sb.create_group("Plain", owner=desk_world.owner, forum=False)
    sb.add_bot(plain, desk_world.bot)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await desk_bot.close_general_forum_topic(plain.id)
    sb.set_bot_rights(desk_world.group, desk_world.bot, admin=True, can_manage_topics=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage topics"):
        await desk_bot.hide_general_forum_topic(desk_world.group.id)
