"""The Python control API: people send every kind of message, edit, reply, press, block."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

from sandbox.telegram import AlbumItem, ApiError, SandboxError
from tests.fixtures.telegram_sandbox import DeskWorld


async def updates_of(bot: Bot) -> list[Update]:
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


SENDS: dict[str, Any] = {
    "photo": lambda sb, u, to: sb.send_photo(u, to, os.urandom(50), caption="look"),
    "video": lambda sb, u, to: sb.send_video(u, to, os.urandom(50), duration=5),
    "animation": lambda sb, u, to: sb.send_animation(u, to, os.urandom(50)),
    "document": lambda sb, u, to: sb.send_document(u, to, os.urandom(50), file_name="a.pdf"),
    "audio": lambda sb, u, to: sb.send_audio(u, to, os.urandom(50), title="Song"),
    "voice": lambda sb, u, to: sb.send_voice(u, to, os.urandom(50), duration=3),
    "video_note": lambda sb, u, to: sb.send_video_note(u, to, os.urandom(50)),
    "sticker": lambda sb, u, to: sb.send_sticker(u, to, os.urandom(50), emoji="🐳"),
    "location": lambda sb, u, to: sb.send_location(u, to, 1.5, 2.5),
    "venue": lambda sb, u, to: sb.send_venue(u, to, 1.5, 2.5, "Cafe", "Street 1"),
    "contact": lambda sb, u, to: sb.send_contact(u, to, "+123", "Bob"),
    "dice": lambda sb, u, to: sb.send_dice(u, to, "🎯", 4),
    "poll": lambda sb, u, to: sb.send_poll(u, to, "Rate us", ["1", "5"]),
}


@pytest.mark.parametrize("kind", list(SENDS))
async def test_user_sends_each_type_to_the_bot(
    kind: str, desk_world: DeskWorld, desk_bot: Bot
) -> None:
    view = SENDS[kind](desk_world.sandbox, desk_world.customer, desk_world.bot)
    assert view.type == kind
    [update] = await updates_of(desk_bot)
    message = update.message
    assert (
        message is not None and message.from_user and message.from_user.id == desk_world.customer.id
    )
    assert getattr(message, kind) is not None
    assert message.message_id == view.message_id
    if view.files:
        data = desk_world.sandbox.file_bytes(view.files[0].file_id)
        info = await desk_bot.get_file(view.files[0].file_id)
        stream = await desk_bot.download_file(info.file_path or "")
        assert stream is not None and stream.read() == data


async def test_text_with_entities_and_commands(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    sb.send_text(desk_world.customer, desk_world.bot, "/start promo")
    sb.send_text(
        desk_world.customer,
        desk_world.bot,
        "bold move",
        entities=[{"type": "bold", "offset": 0, "length": 4}],
    )
    sb.send_text(desk_world.customer, desk_world.bot, "<i>hi</i> there", parse_mode="HTML")
    start, bold, html = [u.message for u in await updates_of(desk_bot) if u.message]
    assert start.entities and start.entities[0].type == "bot_command"
    assert bold.entities and (bold.entities[0].type, bold.entities[0].length) == ("bold", 4)
    assert html.text == "hi there" and html.entities and html.entities[0].type == "italic"


async def test_album_from_a_user(desk_world: DeskWorld, desk_bot: Bot) -> None:
    items = [
        AlbumItem("photo", os.urandom(20), caption="two pics"),
        AlbumItem("photo", os.urandom(20)),
    ]
    views = desk_world.sandbox.send_album(desk_world.customer, desk_world.bot, items)
    messages = [u.message for u in await updates_of(desk_bot) if u.message]
    assert len(messages) == 2 and messages[0].media_group_id == messages[1].media_group_id
    assert (
        messages[0].caption == "two pics" and views[0].media_group_id == messages[0].media_group_id
    )


async def test_edit_and_reply(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    first = sb.send_text(desk_world.customer, desk_world.bot, "helo")
    sb.edit_message(desk_world.customer, first, "hello")
    bot_reply = await desk_bot.send_message(desk_world.customer.id, "Hi! How can we help?")
    chat = sb.private_chat(desk_world.bot, desk_world.customer)
    answer = sb.send_text(
        desk_world.customer, desk_world.bot, "my order", reply_to=sb.messages(chat)[-1]
    )
    updates = await updates_of(desk_bot)
    edited = updates[1].edited_message
    assert edited is not None and edited.text == "hello" and edited.edit_date
    reply = updates[2].message
    assert (
        reply
        and reply.reply_to_message
        and reply.reply_to_message.message_id == bot_reply.message_id
    )
    assert answer.reply_to == bot_reply.message_id
    assert sb.messages(chat)[0].edited and sb.messages(chat)[0].text == "hello"


async def test_group_topic_flow_and_views(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = await desk_bot.create_forum_topic(group.id, "Alice")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take")]]
    )
    card = await desk_bot.send_message(
        group.id, "Ticket #1", message_thread_id=topic.message_thread_id, reply_markup=markup
    )
    await desk_bot.pin_chat_message(group.id, card.message_id)
    note = sb.send_text(desk_world.operator, group, "on it", topic=topic.message_thread_id)
    sb.react(desk_world.operator, note, "👍")
    press = sb.press_button(desk_world.operator, sb.messages(group, topic="Alice")[1], text="Take")
    updates = await updates_of(desk_bot)
    # The bot gets the service messages of its own topic and pin, as on Telegram;
    # message_reaction is not among the default allowed_updates.
    assert [u.event_type for u in updates] == ["message"] * 3 + ["callback_query"]
    created, pin, said = (u.message for u in updates[:3])
    assert created and created.forum_topic_created and pin and pin.pinned_message
    assert said and said.message_thread_id == topic.message_thread_id and said.text == "on it"
    await desk_bot.answer_callback_query(press.id, text="Assigned to you")
    views = sb.messages(group, topic=topic.message_thread_id)
    assert [v.type for v in views] == ["forum_topic_created", "text", "pinned_message", "text"]
    assert views[1].pinned and views[1].buttons[0][0].callback_data == "take"
    assert views[3].reactions == {"👍": 1} and views[3].sender_name == "Ivan"
    text = sb.transcript(group, topic=topic.message_thread_id)
    assert "Ticket #1" in text and "[ Take ]" in text and "(pinned)" in text and "👍×1" in text
    assert sb.messages_json(group)[1]["buttons"][0][0]["text"] == "Take"
    assert (await sb.wait_answer(press)).answer_text == "Assigned to you"


async def test_admin_closes_reopens_and_deletes_topics(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = await desk_bot.create_forum_topic(group.id, "Bob")
    sb.close_topic(desk_world.operator, group, topic.message_thread_id)
    guest = sb.create_user("Guest")
    sb.add_member(group, guest)
    with pytest.raises(ApiError, match="Bad Request: TOPIC_CLOSED"):
        sb.send_text(guest, group, "x", topic=topic.message_thread_id)
    sb.reopen_topic(desk_world.operator, group, topic.message_thread_id)
    shown = [u.message for u in await updates_of(desk_bot)]
    assert [m is not None and m.forum_topic_created is not None for m in shown[:1]] == [True]
    kinds = [
        (m and m.forum_topic_closed is not None) or (m and m.forum_topic_reopened is not None)
        for m in shown[1:]
    ]
    assert kinds == [True, True]
    sb.delete_topic(desk_world.owner, group, topic.message_thread_id)
    assert sb.messages(group) == [] and await updates_of(desk_bot) == []
    with pytest.raises(SandboxError):
        sb.close_topic(desk_world.customer, group, 2)


async def test_wait_helpers_wake_on_product_activity(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    chat = sb.private_chat(desk_world.bot, desk_world.customer)

    async def product() -> None:
        await asyncio.sleep(0.1)
        await desk_bot.send_message(desk_world.customer.id, "auto-reply")

    task = asyncio.create_task(product())
    views = await sb.wait_messages(chat, 1, timeout=3)
    await task
    assert views[0].text == "auto-reply" and views[0].sender_is_bot
    found = await sb.wait_for(lambda: [v for v in sb.messages(chat) if v.text == "auto-reply"])
    assert found
    with pytest.raises(TimeoutError):
        await sb.wait_messages(chat, 5, timeout=0.2)


def test_control_refuses_impossible_actions(desk_world: DeskWorld) -> None:
    sb = desk_world.sandbox
    stranger = sb.create_user("Mallory")
    with pytest.raises(SandboxError):
        sb.send_text(stranger, desk_world.group, "let me in")
    sb.block_bot(desk_world.customer, desk_world.bot)
    with pytest.raises(SandboxError):
        sb.send_text(desk_world.customer, desk_world.bot, "hello?")
    view = sb.send_text(desk_world.operator, desk_world.group, "hi")
    with pytest.raises(SandboxError):
        sb.press_button(desk_world.owner, view, data="none")
    with pytest.raises(SandboxError):
        sb.edit_message(desk_world.owner, view, "not mine")
