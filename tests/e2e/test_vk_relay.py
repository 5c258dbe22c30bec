"""A VK customer and the operators' topic: every kind of message both ways, edits, retries.

The real app runs against both sandboxes; the tests read only what the VK customer sees
in the chat with the community and what operators see in the customer's topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from core.enums import DeliveryState, MessageDirection
from core.models import Message
from sandbox.telegram import AlbumItem, MessageView
from sandbox.vk import VkMessage, VkSandbox
from tests.e2e.conftest import blob, png
from tests.e2e.test_card_buttons import card_of
from tests.fixtures.vk_desk import VkDeskWorld

DELIVERED = "👌"  # the desk's mark on an operator's message once the customer has it


async def test_a_vk_customer_gets_a_topic_named_for_vk_and_a_card_with_the_profile(
    vk_desk: VkDeskWorld,
) -> None:
    world = vk_desk
    topic = await world.opened("Здравствуйте, заказ не пришёл")
    assert topic.name == "🆕 #1 \u2068Pyotr Sidorov\u2069 · VK"
    card = await card_of(world.tg, topic)
    assert "Customer: Pyotr Sidorov · vk.com/pyotr · id 100001" in card.body
    assert "Language: ru · Channel: VK" in card.body
    [shown] = world.in_topic(topic)
    assert shown.sender_is_bot and shown.type == "text"


def _file(world: VkDeskWorld, message: MessageView) -> bytes:
    return world.sandbox.file_bytes(message.files[0].file_id)


def _sent_file(vk: VkSandbox, message: VkMessage, index: int = 0) -> bytes:
    return vk.file_bytes(message.attachments[index])


async def test_every_kind_from_a_vk_customer_shows_in_the_topic_as_its_match(
    vk_desk: VkDeskWorld,
) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    hello = world.chat()[0]

    async def arrives(probe: Callable[[MessageView], bool], **write: Any) -> MessageView:
        """The customer writes; wait for the one new message in the topic that matches."""
        before = len(world.in_topic(topic))
        world.writes(**write)
        return await world.until(
            lambda: next((m for m in world.in_topic(topic)[before:] if probe(m)), None)
        )

    front, back = png(), png()
    album = world.writes("Вот фото", attachments=[vk.photo(front), vk.photo(back)])
    parts = await world.until(
        lambda: (p := [m for m in world.in_topic(topic) if m.type == "photo"])[1:] and p
    )
    assert [m.body for m in parts] == ["Вот фото", ""]
    assert parts[0].media_group_id is not None
    assert parts[0].media_group_id == parts[1].media_group_id  # one album
    assert [_file(world, m) for m in parts] == [front, back]
    assert [_sent_file(vk, album, n) for n in (0, 1)] == [front, back]

    doc = await arrives(
        lambda m: m.type == "document", attachments=[vk.doc("invoice.pdf", b"%PDF-1.4 invoice")]
    )
    assert doc.files[0].file_name == "invoice.pdf" and _file(world, doc) == b"%PDF-1.4 invoice"

    voice = await arrives(lambda m: m.type == "voice", attachments=[vk.audio_message()])
    assert _file(world, voice) == _sent_file(vk, world.chat()[-1])

    sticker = await arrives(lambda m: m.type == "photo", attachments=[vk.sticker(77)])
    image = world.chat()[-1].attachments[0]["sticker"]["images_with_background"][-1]
    assert _file(world, sticker) == vk.file_bytes(image["url"])  # shown as its image

    audio = await arrives(
        lambda m: m.type == "text", attachments=[vk.audio("Кино", "Группа крови", 285)]
    )
    assert audio.body == "🎵 Кино — Группа крови"  # bots can't download VK music
    video = await arrives(lambda m: m.type == "text", attachments=[vk.video("Распаковка", 75)])
    [video_id] = [a["video"]["id"] for a in world.chat()[-1].attachments]
    assert video.body == f"🎬 Распаковка (1:15) https://vk.com/video{world.customer.id}_{video_id}"

    link = await arrives(
        lambda m: m.type == "text",
        text="Смотрите",
        attachments=[vk.link("https://shop.example/track/42", "Трекинг")],
    )
    assert link.body == "Смотрите\n\n🔗 Трекинг https://shop.example/track/42"
    wall = await arrives(lambda m: m.type == "text", attachments=[vk.wall("Акция недели")])
    assert wall.body.startswith("📝 https://vk.com/wall") and wall.body.endswith("\nАкция недели")

    forward = await arrives(lambda m: m.type == "text", text="Вот что я писал", forward=[hello])
    assert forward.body == "Вот что я писал\n\n» Здравствуйте"
    reply = await arrives(lambda m: m.type == "text", text="Это про первое", reply_to=hello)
    first_in_topic = world.in_topic(topic)[0]
    assert (first_in_topic.body, reply.reply_to) == ("Здравствуйте", first_in_topic.message_id)
    assert all(m.sender_is_bot and not m.forwarded for m in world.in_topic(topic))


async def test_every_kind_from_an_operator_reaches_the_vk_chat(vk_desk: VkDeskWorld) -> None:
    world, vk, sb = vk_desk, vk_desk.vk, vk_desk.sandbox
    ivan, group = world.tg.operator, world.tg.group
    topic = await world.opened()
    picture, front, back, sticker = png(), png(), png(), png()
    voice, document = b"OggS" + blob(), b"%PDF-1.4 " + blob()

    world.operator_says(topic, "Добрый день! Сейчас проверим.")
    await world.vk_got("Добрый день! Сейчас проверим.")
    sb.send_media(ivan, group, "photo", picture, caption="Ваш <b>заказ</b>", parse_mode="HTML",
                  topic=topic)  # fmt: skip
    photo = await world.vk_got("Ваш заказ")  # VK has no formatting: plain text
    two = [AlbumItem("photo", front, caption="спереди"), AlbumItem("photo", back, caption="сзади")]
    sb.send_album(ivan, group, two, topic=topic)
    album = await world.vk_got("спереди\n\nсзади")
    sb.send_media(ivan, group, "document", document, file_name="act.pdf", caption="Акт",
                  topic=topic)  # fmt: skip
    doc = await world.vk_got("Акт")
    sb.send_media(ivan, group, "voice", voice, duration=2, topic=topic)
    said = await world.until(lambda: [m for m in world.got() if m.attachments][3:4])
    sb.send_media(ivan, group, "sticker", sticker, emoji="👍", topic=topic)
    drawn = await world.until(lambda: [m for m in world.got() if m.attachments][4:5])

    assert [a["type"] for a in photo.attachments] == ["photo"]
    assert _sent_file(vk, photo) == picture
    assert [a["type"] for a in album.attachments] == ["photo", "photo"]  # one VK message
    assert [_sent_file(vk, album, n) for n in (0, 1)] == [front, back]
    assert doc.attachments[0]["doc"]["title"] == "act.pdf" and _sent_file(vk, doc) == document
    assert [a["type"] for a in said[0].attachments] == ["audio_message"]
    assert _sent_file(vk, said[0]) == voice
    assert [a["type"] for a in drawn[0].attachments] == ["photo"]  # a sticker as its image
    assert _sent_file(vk, drawn[0]) == sticker
    assert len(world.got()) == 6
    # Every reply is marked delivered, both parts of the album included.
    await world.until(lambda: all(DELIVERED in m.reactions for m in world.in_topic(topic)[1:]))
    assert len(world.in_topic(topic)) == 8


async def test_every_photo_of_an_operators_album_is_recorded_as_delivered(
    vk_desk: VkDeskWorld,
) -> None:
    world, sb = vk_desk, vk_desk.sandbox
    topic = await world.opened()
    items = [AlbumItem("photo", png(), caption="спереди"), AlbumItem("photo", png())]
    sb.send_album(world.tg.operator, world.tg.group, items, topic=topic)
    album = await world.vk_got("спереди")
    rows = await _delivered_replies(2)
    # One VK message shows the album: the first photo carries its id (ids are unique per
    # chat), the second is delivered with it.
    assert [r.customer_message_id for r in rows] == [album.id, None]


async def _delivered_replies(count: int) -> list[Message]:
    """The operators' replies once ``count`` of them are recorded as delivered."""
    for _ in range(60):
        rows = await Message.filter(
            direction=MessageDirection.OUTBOUND, delivery_state=DeliveryState.DELIVERED
        ).order_by("id")
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} replies were recorded as delivered")


async def test_edits_cross_both_ways(vk_desk: VkDeskWorld) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    reply = world.operator_says(topic, "Заказ прибудет в понедельник")
    sent = await world.vk_got("Заказ прибудет в понедельник")
    world.sandbox.edit_message(world.tg.operator, reply, "Заказ прибудет во вторник")
    await world.vk_got("Заказ прибудет во вторник")
    [edited] = world.got()
    assert edited.id == sent.id and edited.edited
    [(_, call)] = vk.calls("messages.edit")
    assert call["message_id"] == str(sent.id)

    typo = world.writes("Номер заказа 24")
    await world.shown(topic, "Номер заказа 24")
    vk.user_edits(world.community, world.customer, typo, "Номер заказа 42")
    mirrored = await world.shown(topic, "Номер заказа 42")
    assert mirrored.edited
    assert [m.body for m in world.in_topic(topic)] == [
        "Здравствуйте",
        "Заказ прибудет во вторник",
        "Номер заказа 42",
    ]


async def test_a_lost_answer_to_messages_send_never_duplicates(vk_desk: VkDeskWorld) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    vk.drop_next_response("messages.send")  # VK sends it, the desk never hears back
    world.operator_says(topic, "Только один раз")
    await world.until(lambda: [m for m in world.in_topic(topic) if DELIVERED in m.reactions][0:1])
    sends = vk.calls("messages.send")
    assert len(sends) == 2 and sends[0][1]["random_id"] == sends[1][1]["random_id"]
    assert [m.text for m in world.got()] == ["Только один раз"]


async def test_an_answer_to_a_customer_who_disallowed_messages_says_why_it_waits(
    vk_desk: VkDeskWorld,
) -> None:
    world, vk = vk_desk, vk_desk.vk
    topic = await world.opened()
    vk.disallow_messages(world.community, world.customer)
    await world.shown(
        topic,
        "🚫 The customer disallowed messages from the community. Replies will wait until "
        "they allow them again.",
    )
    world.operator_says(topic, "Вы здесь?")
    await world.shown(
        topic,
        "⚠️ Not delivered yet: the customer does not allow messages from the community. "
        "It will be delivered once they allow them again.",
    )
    assert world.got() == []

    vk.allow_messages(world.community, world.customer)
    await world.shown(
        topic,
        "✅ The customer allows messages from the community again; replies are delivered again.",
    )
    await world.vk_got("Вы здесь?")
