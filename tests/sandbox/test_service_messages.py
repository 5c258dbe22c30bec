"""Service messages a bot's own actions create, and albums that are copied apart.

Both were found by running support bots written for the real Telegram against the
sandbox: they expect their own ``forum_topic_*`` and ``pinned_message`` updates, and a
single copied album item that is not an album any more.
"""

from __future__ import annotations

import os

import pytest
from aiogram import Bot
from aiogram.types import Message, Update

from sandbox.telegram import AlbumItem, SandboxError
from tests.fixtures.telegram_sandbox import DeskWorld


async def messages_of(bot: Bot) -> list[Message]:
    """The message updates waiting for ``bot`` (confirmed, so each is read once)."""
    updates: list[Update] = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return [u.message for u in updates if u.message is not None]


async def test_the_bot_gets_the_service_messages_of_its_own_topic_actions(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    group = desk_world.group
    topic = await desk_bot.create_forum_topic(group.id, "Alice", icon_color=0xFB6F5F)
    thread = topic.message_thread_id
    await desk_bot.edit_forum_topic(group.id, thread, name="Alice · #1")
    await desk_bot.close_forum_topic(group.id, thread)
    await desk_bot.reopen_forum_topic(group.id, thread)
    card = await desk_bot.send_message(group.id, "Ticket #1", message_thread_id=thread)
    await desk_bot.pin_chat_message(group.id, card.message_id, disable_notification=True)

    got = await messages_of(desk_bot)
    assert len(got) == 5  # its own text message is not among them
    created, edited, closed, reopened, pinned = got
    assert created.message_id == thread and created.forum_topic_created is not None
    assert created.forum_topic_created.name == "Alice"
    assert created.forum_topic_created.icon_color == 0xFB6F5F
    assert edited.forum_topic_edited is not None and edited.forum_topic_edited.name == "Alice · #1"
    assert closed.forum_topic_closed is not None and reopened.forum_topic_reopened is not None
    assert pinned.pinned_message is not None and pinned.pinned_message.message_id == card.message_id
    assert isinstance(pinned.pinned_message, Message) and pinned.pinned_message.text == "Ticket #1"
    for message in got:
        assert message.from_user is not None and message.from_user.id == desk_world.bot.id
        assert message.chat.id == group.id
        assert message.message_thread_id == thread and message.is_topic_message


async def test_a_pin_in_general_carries_no_thread(desk_world: DeskWorld, desk_bot: Bot) -> None:
    group = desk_world.group
    said = await desk_bot.send_message(group.id, "Desk rules")
    await desk_bot.pin_chat_message(group.id, said.message_id)
    (pinned,) = await messages_of(desk_bot)
    assert pinned.pinned_message is not None and pinned.message_thread_id is None
    assert not pinned.is_topic_message


async def test_a_bot_never_gets_its_own_words_back(desk_world: DeskWorld, desk_bot: Bot) -> None:
    # The rule bends for service messages only: a bot never gets its own text back.
    await desk_bot.send_message(desk_world.group.id, "hello, group")
    await desk_bot.send_message(desk_world.customer.id, "hello, Alice")
    assert await messages_of(desk_bot) == []


async def test_a_person_pins_with_the_right_only(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    said = sb.send_text(desk_world.operator, group, "read me")
    sb.pin_message(desk_world.operator, group, said)
    got = await messages_of(desk_bot)
    assert [m.text for m in got[:1]] == ["read me"] and got[1].pinned_message is not None
    assert got[1].from_user is not None and got[1].from_user.id == desk_world.operator.id
    with pytest.raises(SandboxError, match="may not pin"):
        sb.pin_message(desk_world.customer, group, said)


async def test_one_copied_or_forwarded_album_item_is_not_an_album(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group, customer = desk_world.sandbox, desk_world.group, desk_world.customer
    items = [AlbumItem("photo", os.urandom(20), caption="two"), AlbumItem("photo", os.urandom(20))]
    first, second = sb.send_album(customer, desk_world.bot, items)
    assert first.media_group_id is not None

    copied = await desk_bot.copy_message(group.id, customer.id, first.message_id)
    forwarded = await desk_bot.forward_message(group.id, customer.id, second.message_id)
    assert forwarded.media_group_id is None
    one = await desk_bot.copy_messages(group.id, customer.id, [second.message_id])
    ids = [first.message_id, second.message_id]
    both = await desk_bot.copy_messages(group.id, customer.id, ids)

    shown = {m.message_id: m for m in sb.messages(group)}
    assert shown[copied.message_id].media_group_id is None
    assert shown[one[0].message_id].media_group_id is None
    pair = [shown[m.message_id].media_group_id for m in both]
    # A whole album copied stays one album, under an id of its own.
    assert pair[0] is not None and pair[0] == pair[1] and pair[0] != first.media_group_id
