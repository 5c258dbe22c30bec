"""Mapping aiogram messages to core entities, with messages a real Bot fetched from the sandbox."""

from __future__ import annotations

import os
import struct
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Message

from bots.telegram.content import (
    content_of,
    inbound_edit_of,
    inbound_of,
    operator_edit_of,
    operator_message_of,
    profile_of,
)
from core.enums import Channel, MessageKind
from sandbox.telegram import AlbumItem, Chat, MessageView, TelegramSandbox
from tests.fixtures.telegram_sandbox import DeskWorld


def png(width: int, height: int) -> bytes:
    """A PNG header of the given size followed by random bytes (unique file each time)."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + os.urandom(32)


def group_view(sb: TelegramSandbox, group: Chat, message_id: int) -> MessageView:
    """The sandbox's view of one message of ``group``."""
    return next(v for v in sb.messages(group) if v.message_id == message_id)


async def fetch(bot: Bot, count: int = 1) -> list[Message]:
    """The next ``count`` message or edit updates of ``bot``, confirmed as consumed."""
    updates = await bot.get_updates(timeout=0)
    assert updates, "no update arrived"
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    found = [u.message or u.edited_message for u in updates]
    messages = [m for m in found if m is not None]
    assert len(messages) == count
    return messages


async def test_plain_text_and_profile(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    sent = sb.send_text(customer, desk_world.bot, "Hello <there> & welcome")
    [message] = await fetch(desk_bot)
    inbound = inbound_of(message)
    assert inbound.content.kind is MessageKind.TEXT
    assert inbound.content.text == "Hello <there> & welcome"
    assert inbound.content.html is None and inbound.content.attachments == ()
    assert inbound.content.is_plain_text
    assert (inbound.chat_id, inbound.message_id) == (customer.id, sent.message_id)
    assert inbound.sent_at.tzinfo is not None and inbound.sent_at.utcoffset() == timedelta(0)
    assert inbound.reply_to_message_id is None and inbound.album_id is None
    profile = inbound.profile
    assert profile.channel is Channel.TELEGRAM and profile.external_id == customer.id
    assert (profile.first_name, profile.last_name, profile.username) == (
        "Alice",
        "Customer",
        "alice_c",
    )
    assert profile.language == "en"


@pytest.mark.parametrize(
    ("code", "expected"),
    # kept as the customer speaks it; DEFAULT_LANGUAGE decides what "de" reads
    [("ru", "ru"), ("ru-RU", "ru"), ("de", "de"), ("pt-br", "pt"), (None, ""), ("x" * 40, "")],
)
async def test_profile_language(
    desk_world: DeskWorld, desk_bot: Bot, code: str | None, expected: str
) -> None:
    sb = desk_world.sandbox
    user = sb.create_user("Boris", language_code=code)
    sb.send_text(user, desk_world.bot, "hi")
    [message] = await fetch(desk_bot)
    assert message.from_user is not None
    profile = profile_of(message.from_user)
    assert profile.language == expected and profile.last_name == "" and profile.username is None


async def test_formatted_text_keeps_html(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    sb.send_text(
        desk_world.customer, desk_world.bot, "<b>Bold</b> &amp; <i>it</i>", parse_mode="HTML"
    )
    content = content_of((await fetch(desk_bot))[0])
    assert content.text == "Bold & it"
    assert content.html == "<b>Bold</b> &amp; <i>it</i>"


async def test_photo_with_formatted_caption(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    view = sb.send_photo(
        desk_world.customer, desk_world.bot, png(640, 480), caption="<u>look</u>", parse_mode="HTML"
    )
    content = content_of((await fetch(desk_bot))[0])
    assert content.kind is MessageKind.PHOTO
    assert (content.text, content.html) == ("look", "<u>look</u>")
    [photo] = content.attachments
    assert photo.kind is MessageKind.PHOTO
    assert (photo.file_id, photo.file_unique_id) == (
        view.files[0].file_id,
        view.files[0].file_unique_id,
    )
    assert photo.file_size == view.files[0].size
    assert photo.details == {"width": 640, "height": 480}


FILES = [
    ("video", {"file_name": "clip.mp4", "duration": 12, "width": 320, "height": 240}),
    ("animation", {"file_name": "fun.gif.mp4", "duration": 3, "width": 200, "height": 100}),
    ("document", {"file_name": "invoice.pdf", "mime_type": "application/pdf"}),
    ("audio", {"file_name": "song.mp3", "duration": 180, "performer": "Band", "title": "Hit"}),
    ("voice", {"duration": 7}),
    ("video_note", {"duration": 5, "length": 240}),
    ("sticker", {"emoji": "😺"}),
]


@pytest.mark.parametrize(("kind", "hints"), FILES, ids=[kind for kind, _ in FILES])
async def test_file_kinds(
    desk_world: DeskWorld, desk_bot: Bot, kind: str, hints: dict[str, Any]
) -> None:
    sb = desk_world.sandbox
    caption = None if kind in ("video_note", "sticker") else f"my {kind}"
    view = sb.send_media(
        desk_world.customer, desk_world.bot, kind, png(64, 64), caption=caption, **hints
    )
    content = content_of((await fetch(desk_bot))[0])
    assert content.kind is MessageKind(kind)
    assert content.text == caption and content.html is None
    [attachment] = content.attachments
    assert attachment.kind is MessageKind(kind)
    assert attachment.file_id == view.files[0].file_id
    assert attachment.file_unique_id == view.files[0].file_unique_id
    assert attachment.file_size == view.files[0].size
    if "file_name" in hints and kind != "voice":
        assert attachment.file_name == hints["file_name"]
    if "mime_type" in hints:
        assert attachment.mime_type == hints["mime_type"]
    for key in ("duration", "width", "height", "length", "performer", "title", "emoji"):
        if key in hints:
            assert attachment.details[key] == hints[key], key


def test_animation_wins_over_its_document_twin() -> None:
    # Telegram sends a GIF with both ``animation`` and ``document``; the sandbox sends
    # only ``animation``, so this case is checked on Telegram's own JSON.
    file = {
        "file_id": "ANIM",
        "file_unique_id": "U1",
        "file_name": "a.mp4",
        "mime_type": "video/mp4",
    }
    message = Message.model_validate(
        {
            "message_id": 5,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "A"},
            "from": {"id": 42, "is_bot": False, "first_name": "A"},
            "animation": {**file, "width": 10, "height": 20, "duration": 2},
            "document": file,
        }
    )
    content = content_of(message)
    assert content.kind is MessageKind.ANIMATION
    assert content.attachments[0].details == {"width": 10, "height": 20, "duration": 2}


def test_unknown_kind_is_other_with_a_description() -> None:
    message = Message.model_validate(
        {
            "message_id": 6,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "A"},
            "story": {"chat": {"id": 7, "type": "channel", "title": "News"}, "id": 3},
        }
    )
    content = content_of(message)
    assert content.kind is MessageKind.OTHER
    assert content.text == "[story]"
    assert content.attachments[0].details == {"content_type": "story"}


async def test_structured_kinds(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer, bot = desk_world.sandbox, desk_world.customer, desk_world.bot
    sb.send_location(customer, bot, 55.75, 37.62)
    sb.send_venue(customer, bot, 59.94, 30.31, "Hermitage", "Palace Square 2")
    sb.send_contact(customer, bot, "+79990001122", "Bob", "Smith")
    sb.send_dice(customer, bot, "🎯", 4)
    sb.send_poll(customer, bot, "Tea or coffee?", ["Tea", "Coffee"])
    location, venue, contact, dice, poll = [content_of(m) for m in await fetch(desk_bot, 5)]
    assert location.kind is MessageKind.LOCATION
    assert location.attachments[0].details == {"latitude": 55.75, "longitude": 37.62}
    assert venue.kind is MessageKind.VENUE
    assert venue.attachments[0].details == {
        "latitude": 59.94,
        "longitude": 30.31,
        "title": "Hermitage",
        "address": "Palace Square 2",
    }
    assert contact.kind is MessageKind.CONTACT
    assert contact.attachments[0].details == {
        "phone_number": "+79990001122",
        "first_name": "Bob",
        "last_name": "Smith",
    }
    assert dice.kind is MessageKind.DICE and dice.attachments[0].details == {
        "emoji": "🎯",
        "value": 4,
    }
    assert poll.kind is MessageKind.POLL
    details = poll.attachments[0].details
    assert details["question"] == "Tea or coffee?" and details["options"] == ["Tea", "Coffee"]
    for content in (location, venue, contact, dice, poll):
        assert content.text is None and content.attachments[0].file_id is None


async def test_album_keeps_its_id(desk_world: DeskWorld, desk_bot: Bot) -> None:
    items = [AlbumItem("photo", png(10, 10), caption="first"), AlbumItem("video", b"v" * 20)]
    views = desk_world.sandbox.send_album(desk_world.customer, desk_world.bot, items)
    first, second = [inbound_of(m) for m in await fetch(desk_bot, 2)]
    assert first.album_id == second.album_id == views[0].media_group_id is not None
    assert (first.content.kind, second.content.kind) == (MessageKind.PHOTO, MessageKind.VIDEO)
    assert (first.content.text, second.content.text) == ("first", None)


async def test_reply_and_edit_in_private_chat(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    original = sb.send_text(customer, desk_world.bot, "order 17")
    sb.send_text(customer, desk_world.bot, "this one", reply_to=original)
    sb.edit_message(customer, original, "order <b>18</b>", parse_mode="HTML")
    _, reply, edited = await fetch(desk_bot, 3)
    assert inbound_of(reply).reply_to_message_id == original.message_id
    edit = inbound_edit_of(edited)
    assert (edit.chat_id, edit.message_id) == (customer.id, original.message_id)
    assert edit.profile.external_id == customer.id
    assert edit.content.text == "order 18" and edit.content.html == "order <b>18</b>"
    assert edit.edited_at.tzinfo is not None


async def test_topic_messages_reply_only_when_they_really_reply(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group, operator = desk_world.sandbox, desk_world.group, desk_world.operator
    topic = await desk_bot.create_forum_topic(group.id, "Alice Customer")
    thread = topic.message_thread_id
    [created] = await fetch(desk_bot)  # its own forum_topic_created comes back, as on Telegram
    assert created.forum_topic_created is not None
    card = await desk_bot.send_message(group.id, "card", message_thread_id=thread)
    sb.send_text(operator, group, "hello from the desk", topic=thread)
    sb.send_text(
        operator,
        group,
        "about the card",
        topic=thread,
        reply_to=group_view(sb, group, card.message_id),
    )
    plain, reply = await fetch(desk_bot, 2)
    # Telegram marks a plain topic message as a reply to the topic's creation message.
    assert plain.reply_to_message is not None and plain.reply_to_message.message_id == thread
    first = operator_message_of(plain)
    assert first.thread_id == thread and first.reply_to_message_id is None
    assert first.operator.telegram_id == operator.id
    assert (first.operator.name, first.operator.username) == ("Ivan", "ivan_operator")
    assert first.content.text == "hello from the desk" and first.sent_at.tzinfo is not None
    assert operator_message_of(reply).reply_to_message_id == card.message_id
    sb.edit_message(operator, group_view(sb, group, plain.message_id), "hello, edited")
    edit = operator_edit_of((await fetch(desk_bot))[0])
    assert (edit.thread_id, edit.message_id) == (thread, plain.message_id)
    assert edit.content.text == "hello, edited" and edit.operator.telegram_id == operator.id


def test_general_topic_message_is_not_an_operator_message() -> None:
    message = Message.model_validate(
        {
            "message_id": 9,
            "date": 1_700_000_000,
            "chat": {"id": -100123, "type": "supergroup", "title": "Support", "is_forum": True},
            "from": {"id": 1, "is_bot": False, "first_name": "Ivan"},
            "text": "hello",
        }
    )
    with pytest.raises(ValueError, match="not in a forum topic"):
        operator_message_of(message)
