"""TelegramChannel end to end: operators post in a topic, the customer gets anonymous copies."""

from __future__ import annotations

import os
import struct

import pytest
from aiogram import Bot
from aiogram.types import Message

from bots.telegram.channel import TelegramChannel
from bots.telegram.content import operator_edit_of, operator_message_of
from core.entities import Content, Delivery, DeliveryEdit, OperatorMessage
from core.enums import Channel, MessageKind
from core.errors import MessageGone, NotModified, PermanentError, RecipientUnavailable
from sandbox.telegram import AlbumItem, MessageView
from tests.fixtures.telegram_sandbox import DeskWorld


def png(width: int, height: int) -> bytes:
    """A PNG header of the given size followed by random bytes (unique file each time)."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + os.urandom(32)


@pytest.fixture
async def thread(desk_world: DeskWorld, desk_bot: Bot) -> int:
    """The conversation's topic in the operator group."""
    topic = await desk_bot.create_forum_topic(desk_world.group.id, "Alice Customer")
    desk_world.bot.updates.drop_all()
    return topic.message_thread_id


@pytest.fixture
def channel(desk_bot: Bot) -> TelegramChannel:
    return TelegramChannel(desk_bot)


async def relayed(bot: Bot, count: int = 1) -> list[Message]:
    """The operator's next messages (or edits) as the desk bot receives them."""
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    messages = [u.message or u.edited_message for u in updates]
    found = [m for m in messages if m is not None]
    assert len(found) == count
    return found


def delivery(
    world: DeskWorld, messages: list[OperatorMessage], reply_to: int | None = None
) -> Delivery:
    return Delivery(
        channel=Channel.TELEGRAM,
        chat_id=world.customer.id,
        source_chat_id=world.group.id,
        source_message_ids=tuple(m.message_id for m in messages),
        contents=tuple(m.content for m in messages),
        reply_to_message_id=reply_to,
    )


def inbox(world: DeskWorld) -> list[MessageView]:
    return world.sandbox.messages((world.bot, world.customer))


def view(world: DeskWorld, message_id: int) -> MessageView:
    return next(v for v in inbox(world) if v.message_id == message_id)


def post_each_kind(world: DeskWorld, thread: int) -> None:
    sb, op, group = world.sandbox, world.operator, world.group
    sb.send_text(op, group, "<b>Hi</b>, <i>Alice</i>", parse_mode="HTML", topic=thread)
    sb.send_photo(op, group, png(30, 20), caption="<u>receipt</u>", parse_mode="HTML", topic=thread)
    sb.send_video(op, group, b"video", caption="how-to", topic=thread)
    sb.send_animation(op, group, b"gif", topic=thread)
    sb.send_document(op, group, b"%PDF", file_name="terms.pdf", caption="terms", topic=thread)
    sb.send_audio(op, group, b"mp3", file_name="hold.mp3", topic=thread)
    sb.send_voice(op, group, b"ogg", caption="listen", topic=thread)
    sb.send_video_note(op, group, b"round", topic=thread)
    sb.send_sticker(op, group, png(512, 512), emoji="👍", topic=thread)
    sb.send_location(op, group, 55.75, 37.62, topic=thread)
    sb.send_venue(op, group, 59.94, 30.31, "Office", "Nevsky 1", topic=thread)
    sb.send_contact(op, group, "+78000000000", "Support", topic=thread)
    sb.send_dice(op, group, "🎲", 3, topic=thread)
    sb.send_poll(op, group, "Was this helpful?", ["Yes", "No"], topic=thread)


async def test_every_kind_arrives_as_an_anonymous_copy(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    post_each_kind(desk_world, thread)
    sources = [operator_message_of(m) for m in await relayed(desk_bot, 14)]
    for source in sources:
        [copy_id] = await channel.deliver(delivery(desk_world, [source]))
        original = next(
            v
            for v in desk_world.sandbox.messages(desk_world.group)
            if v.message_id == source.message_id
        )
        copy = view(desk_world, copy_id)
        assert copy.type == original.type == source.content.kind.value
        assert copy.sender_is_bot and copy.sender_id == desk_world.bot.id
        assert not copy.forwarded and copy.thread_id is None and copy.reply_to is None
        assert (copy.text, copy.caption, copy.entities) == (
            original.text,
            original.caption,
            original.entities,
        )
        assert [f.file_unique_id for f in copy.files] == [f.file_unique_id for f in original.files]
        assert copy.extra == original.extra
    assert [v.type for v in inbox(desk_world)] == [s.content.kind.value for s in sources]
    assert inbox(desk_world)[0].entities[0]["type"] == "bold"


async def test_album_stays_an_album(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    items = [AlbumItem("photo", png(8, 8), caption="both sides"), AlbumItem("photo", png(9, 9))]
    desk_world.sandbox.send_album(desk_world.operator, desk_world.group, items, topic=thread)
    album = [operator_message_of(m) for m in await relayed(desk_bot, 2)]
    ids = await channel.deliver(delivery(desk_world, album))
    copies = [view(desk_world, i) for i in ids]
    assert [c.type for c in copies] == ["photo", "photo"] and ids[0] < ids[1]
    assert copies[0].media_group_id is not None
    assert copies[0].media_group_id == copies[1].media_group_id != album[0].album_id
    assert [c.caption for c in copies] == ["both sides", None]
    assert not any(c.forwarded for c in copies)


async def test_reply_is_mapped_and_survives_a_deleted_target(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    question = sb.send_text(customer, desk_world.bot, "where is my order?")
    gone = sb.send_text(customer, desk_world.bot, "never mind")
    sb.delete_message(customer, gone)
    desk_world.bot.updates.drop_all()
    sb.send_text(desk_world.operator, desk_world.group, "on its way", topic=thread)
    sb.send_text(desk_world.operator, desk_world.group, "sure", topic=thread)
    answer, other = [operator_message_of(m) for m in await relayed(desk_bot, 2)]
    [reply_id] = await channel.deliver(delivery(desk_world, [answer], question.message_id))
    assert view(desk_world, reply_id).reply_to == question.message_id
    [orphan_id] = await channel.deliver(delivery(desk_world, [other], gone.message_id))
    assert (
        view(desk_world, orphan_id).body == "sure" and view(desk_world, orphan_id).reply_to is None
    )


async def test_album_reply_and_several_messages_with_a_reply(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb, op, group = desk_world.sandbox, desk_world.operator, desk_world.group
    question = sb.send_text(desk_world.customer, desk_world.bot, "send the documents")
    desk_world.bot.updates.drop_all()
    items = [
        AlbumItem("document", b"a", "a.txt", "two files"),
        AlbumItem("document", b"b", "b.txt"),
    ]
    sb.send_album(op, group, items, topic=thread)
    sb.send_text(op, group, "first", topic=thread)
    sb.send_text(op, group, "second", topic=thread)
    messages = [operator_message_of(m) for m in await relayed(desk_bot, 4)]
    album_ids = await channel.deliver(delivery(desk_world, messages[:2], question.message_id))
    album = [view(desk_world, i) for i in album_ids]
    assert [a.type for a in album] == ["document", "document"]
    assert (
        album[0].media_group_id is not None and album[0].media_group_id == album[1].media_group_id
    )
    assert [a.reply_to for a in album] == [question.message_id] * 2
    assert [a.files[0].file_name for a in album] == ["a.txt", "b.txt"]
    assert album[0].caption == "two files" and not any(a.forwarded for a in album)
    text_ids = await channel.deliver(delivery(desk_world, messages[2:], question.message_id))
    texts = [view(desk_world, i) for i in text_ids]
    assert [(t.text, t.reply_to) for t in texts] == [
        ("first", question.message_id),
        ("second", None),
    ]


async def test_text_edit_reaches_the_copy(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb = desk_world.sandbox
    posted = sb.send_text(desk_world.operator, desk_world.group, "price: 10", topic=thread)
    [source] = [operator_message_of(m) for m in await relayed(desk_bot)]
    [copy_id] = await channel.deliver(delivery(desk_world, [source]))
    sb.edit_message(desk_world.operator, posted, "price: <b>12</b>", parse_mode="HTML")
    edit = operator_edit_of((await relayed(desk_bot))[0])
    change = DeliveryEdit(Channel.TELEGRAM, desk_world.customer.id, copy_id, edit.content)
    await channel.edit(change)
    copy = view(desk_world, copy_id)
    assert copy.edited and copy.text == "price: 12" and copy.entities[0]["type"] == "bold"
    with pytest.raises(NotModified):
        await channel.edit(change)
    plain = Content(MessageKind.TEXT, text="1 < 2, <b> stays literal")
    await channel.edit(DeliveryEdit(Channel.TELEGRAM, desk_world.customer.id, copy_id, plain))
    assert view(desk_world, copy_id).text == "1 < 2, <b> stays literal"


async def test_media_edits_caption_file_and_kind(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb, op, group = desk_world.sandbox, desk_world.operator, desk_world.group
    posted = sb.send_photo(op, group, png(40, 40), caption="draft", topic=thread)
    sb.send_photo(op, group, png(50, 50), topic=thread)
    sb.send_document(op, group, b"%PDF-1", file_name="final.pdf", topic=thread)
    source, other_photo, document = [operator_message_of(m) for m in await relayed(desk_bot, 3)]
    [copy_id] = await channel.deliver(delivery(desk_world, [source]))
    customer = desk_world.customer.id

    async def apply(content: Content) -> MessageView:
        await channel.edit(DeliveryEdit(Channel.TELEGRAM, customer, copy_id, content))
        return view(desk_world, copy_id)

    # The caption alone changed.
    sb.edit_message(op, posted, caption="<i>final</i>", parse_mode="HTML")
    edited = operator_edit_of((await relayed(desk_bot))[0]).content
    copy = await apply(edited)
    assert copy.caption == "final" and copy.entities[0]["type"] == "italic"
    assert copy.files[0].file_unique_id == source.content.attachments[0].file_unique_id
    # The file alone changed (same caption): editMessageMedia after "not modified".
    new_photo = Content(MessageKind.PHOTO, "final", edited.html, other_photo.content.attachments)
    copy = await apply(new_photo)
    assert copy.files[0].file_unique_id == other_photo.content.attachments[0].file_unique_id
    assert copy.caption == "final" and copy.entities[0]["type"] == "italic"
    with pytest.raises(NotModified):
        await apply(new_photo)
    # File and kind changed together with the caption.
    copy = await apply(Content(MessageKind.DOCUMENT, "signed", None, document.content.attachments))
    assert (copy.type, copy.caption, copy.files[0].file_name) == ("document", "signed", "final.pdf")


async def test_voice_caption_edit_and_uneditable_kinds(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb = desk_world.sandbox
    sb.send_voice(desk_world.operator, desk_world.group, b"ogg", caption="old", topic=thread)
    sb.send_location(desk_world.operator, desk_world.group, 1.0, 2.0, topic=thread)
    voice, location = [operator_message_of(m) for m in await relayed(desk_bot, 2)]
    voice_id, location_id = [
        (await channel.deliver(delivery(desk_world, [m])))[0] for m in (voice, location)
    ]
    recaptioned = Content(MessageKind.VOICE, "new", None, voice.content.attachments)
    await channel.edit(
        DeliveryEdit(Channel.TELEGRAM, desk_world.customer.id, voice_id, recaptioned)
    )
    assert view(desk_world, voice_id).caption == "new"
    with pytest.raises(NotModified):
        await channel.edit(
            DeliveryEdit(Channel.TELEGRAM, desk_world.customer.id, voice_id, recaptioned)
        )
    with pytest.raises(PermanentError):
        await channel.edit(
            DeliveryEdit(Channel.TELEGRAM, desk_world.customer.id, location_id, location.content)
        )


async def test_send_text_and_failures(
    desk_world: DeskWorld, desk_bot: Bot, channel: TelegramChannel, thread: int
) -> None:
    sb, customer = desk_world.sandbox, desk_world.customer
    message_id = await channel.send_text(customer.id, "We are <b>back</b> at 9:00 &amp; ready")
    sent = view(desk_world, message_id)
    assert sent.text == "We are back at 9:00 & ready" and sent.entities[0]["type"] == "bold"
    posted = sb.send_text(desk_world.operator, desk_world.group, "hello?", topic=thread)
    [source] = [operator_message_of(m) for m in await relayed(desk_bot)]
    sb.block_bot(customer, desk_world.bot)
    with pytest.raises(RecipientUnavailable):
        await channel.deliver(delivery(desk_world, [source]))
    with pytest.raises(RecipientUnavailable):
        await channel.send_text(customer.id, "still there?")
    sb.unblock_bot(customer, desk_world.bot)
    sb.delete_message(desk_world.operator, posted)
    with pytest.raises(MessageGone):
        await channel.deliver(delivery(desk_world, [source]))
    assert (
        await channel.deliver(Delivery(Channel.TELEGRAM, customer.id, desk_world.group.id, (), ()))
        == ()
    )
