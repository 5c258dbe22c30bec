"""Edits and replies cross the relay both ways; notes, commands and stray messages do not."""

from __future__ import annotations

import asyncio

from sandbox.telegram import AlbumItem, MessageView
from tests.e2e.conftest import (
    blob,
    from_bot,
    in_topic,
    opened,
    png,
    received,
    shown,
    topic_of,
    until,
)
from tests.fixtures.telegram_sandbox import DeskWorld


async def test_a_customer_text_edit_edits_the_mirror(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    original = sb.send_text(world.customer, world.bot, "Delivery to Main st 1")
    mirror = await shown(world, topic, "Delivery to Main st 1")
    sb.edit_message(world.customer, original, "Delivery to <b>Main st 7</b>", parse_mode="HTML")
    edited = await shown(world, topic, "Delivery to Main st 7")
    assert edited.message_id == mirror.message_id and edited.edited
    assert [e["type"] for e in edited.entities] == ["bold"]


async def test_a_customer_caption_edit_edits_the_mirror(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    photo = sb.send_photo(world.customer, world.bot, png(), caption="broken box")
    mirror = await shown(world, topic, "broken box")
    sb.edit_message(world.customer, photo, caption="broken box, torn label")
    edited = await shown(world, topic, "broken box, torn label")
    assert edited.message_id == mirror.message_id
    assert edited.files[0].file_unique_id == photo.files[0].file_unique_id


async def test_an_edit_the_mirror_cannot_take_is_told_as_a_reply(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sticker = sb.send_sticker(world.customer, world.bot, png(), emoji="👍")
    mirror = await until(sb, lambda: next((m for m in in_topic(world, topic) if m.files), None))
    # The sandbox lets a person put a caption on a sticker: an edit no mirror can show.
    sb.edit_message(world.customer, sticker, caption="wrong sticker, sorry")
    note = await until(sb, lambda: next((m for m in in_topic(world, topic) if "✏️" in m.body), None))
    assert note.reply_to == mirror.message_id
    assert "wrong sticker, sorry" in note.body


async def test_an_operator_edit_edits_the_customer_copy(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    reply = sb.send_text(world.operator, world.group, "Your refund is 10 EUR", topic=topic)
    copy = await received(world, "Your refund is 10 EUR")
    sb.edit_message(world.operator, reply, "Your refund is <b>12 EUR</b>", parse_mode="HTML")
    edited = await received(world, "Your refund is 12 EUR")
    assert edited.message_id == copy.message_id and edited.edited
    assert [e["type"] for e in edited.entities] == ["bold"]
    document = sb.send_document(
        world.operator, world.group, blob(), caption="v1", file_name="a.pdf", topic=topic
    )
    await received(world, "v1")
    sb.edit_message(world.operator, document, caption="v2")
    assert (await received(world, "v2")).files


async def test_replies_map_both_ways(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    question = sb.send_text(world.customer, world.bot, "Where is my parcel?")
    question_mirror = await shown(world, topic, "Where is my parcel?")
    sb.send_text(world.operator, world.group, "In Berlin", reply_to=question_mirror, topic=topic)
    answer = await received(world, "In Berlin")
    assert answer.reply_to == question.message_id
    answer_in_topic = next(m for m in in_topic(world, topic) if m.body == "In Berlin")
    sb.send_text(world.customer, world.bot, "Thanks!", reply_to=answer)
    thanks = await shown(world, topic, "Thanks!")
    assert thanks.reply_to == answer_in_topic.message_id


def _album(messages: list[MessageView]) -> list[MessageView] | None:
    parts = [m for m in messages if m.media_group_id]
    return parts if len(parts) >= 2 else None


async def test_albums_keep_their_replies_both_ways(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    ask = sb.send_text(world.operator, world.group, "Photos of the box, please", topic=topic)
    asked = await received(world, "Photos of the box, please")
    items = [AlbumItem("photo", png(), caption="top"), AlbumItem("photo", png())]
    sent = sb.send_album(world.customer, world.bot, items, reply_to=asked)
    album = await until(sb, lambda: _album(in_topic(world, topic)))
    assert len({m.media_group_id for m in album}) == 1
    assert album[0].reply_to == ask.message_id
    assert [m.body for m in album] == ["top", ""]
    back = [AlbumItem("photo", png(), caption="like this?"), AlbumItem("video", blob())]
    sb.send_album(world.operator, world.group, back, topic=topic, reply_to=album[0])
    copies = await until(sb, lambda: _album(from_bot(world)))
    assert len({m.media_group_id for m in copies}) == 1 and len(copies) == 2
    assert copies[0].reply_to == sent[0].message_id and copies[0].body == "like this?"


async def test_notes_commands_general_and_other_chats_stay_internal(
    relay_desk: DeskWorld,
) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world)
    sb.send_text(world.operator, world.group, "/note called the courier", topic=topic)
    sb.send_text(world.operator, world.group, "// be gentle", topic=topic)
    sb.send_text(world.operator, world.group, "/status", topic=topic)
    sb.send_text(world.operator, world.group, "General chatter")  # the General topic
    other = sb.create_group("Elsewhere", owner=world.owner, admins=[world.operator])
    sb.add_bot(other, world.bot, admin=True, can_manage_topics=True)
    side = sb.create_topic(world.owner, other, "side")
    sb.send_text(world.operator, other, "not for the customer", topic=side)
    stray = sb.create_topic(world.owner, world.group, "team lunch")
    sb.send_text(world.operator, world.group, "pizza?", topic=stray)
    sb.send_text(world.operator, world.group, "The real answer", topic=topic)
    await received(world, "The real answer")
    await asyncio.sleep(0.3)  # anything wrongly queued would have gone by now
    assert [m.body for m in from_bot(world)] == ["The real answer"]
    assert await topic_of(world) == topic
