"""VK customers' files in the operator topic, and operators' files on their way to VK.

The operator side is the Telegram sandbox (real aiogram Bot), the customer side the VK
sandbox (real vkbottle API): files travel through ``VkDownloader.fetch`` and
``TelegramOperatorDesk.download`` exactly as the app wires them.
"""

from __future__ import annotations

import os
import struct
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from vkbottle import API

from bots.telegram.errors import telegram_errors
from bots.vk.channel import VkChannel
from bots.vk.content import content_of
from bots.vk.uploads import VkDownloader
from core.entities import Attachment, Content, Delivery, Mirror
from core.enums import Channel, MessageKind
from core.errors import PermanentError
from operators_group.desk import TelegramOperatorDesk
from sandbox.vk import Community, VkSandbox, VkUser
from tests.fixtures.telegram_sandbox import DeskWorld
from tests.fixtures.vk_sandbox import sandbox_api, vk_sandbox  # noqa: F401


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 8, 6) + os.urandom(16)


class Both:
    def __init__(self, tg: DeskWorld, bot: Bot, vk: VkSandbox, thread: int) -> None:
        self.tg, self.vk, self.thread = tg, vk, thread
        self.community: Community = vk.create_community("Acme")
        self.user: VkUser = vk.create_user("Ivan", "Petrov", screen_name="ivan")
        self.api: API = sandbox_api(vk, self.community)
        self.downloads = VkDownloader()
        self.desk = TelegramOperatorDesk(
            bot,
            tg.group.id,
            errors=telegram_errors,
            fetchers={Channel.VK: self.downloads.fetch},
        )

    def mirror(self, *contents: Content, reply_to: int | None = None) -> Mirror:
        return Mirror(
            thread_id=self.thread,
            channel=Channel.VK,
            source_chat_id=self.user.id,
            source_message_ids=tuple(range(1, len(contents) + 1)),
            contents=contents,
            reply_to_message_id=reply_to,
        )

    def topic(self) -> list:  # type: ignore[type-arg]
        return [
            m
            for m in self.tg.sandbox.messages(self.tg.group, topic=self.thread)
            if m.service is None
        ]


@pytest.fixture
async def both(
    desk_world: DeskWorld,
    desk_bot: Bot,
    vk_sandbox: VkSandbox,  # noqa: F811
) -> AsyncIterator[Both]:
    topic = await desk_bot.create_forum_topic(desk_world.group.id, "Ivan Petrov")
    made = Both(desk_world, desk_bot, vk_sandbox, topic.message_thread_id)
    yield made
    await made.api.http_client.close()
    await made.downloads.close()


def written(both: Both, text: str, *attachments: object) -> Content:
    """What the VK adapter maps the user's message to."""
    both.vk.user_writes(both.community, both.user, text, attachments=attachments)  # type: ignore[arg-type]
    raw = both.vk.longpoll_events(both.community)[-1]["object"]["message"]
    return content_of(raw)


async def test_photos_become_one_album_with_the_text_as_caption(both: Both) -> None:
    pictures = [png(), png(), png()]
    content = written(both, "see <these>", *(both.vk.photo(p) for p in pictures))
    ids = await both.desk.mirror(both.mirror(content))
    posted = both.topic()
    assert len(posted) == 3 and ids == (posted[0].message_id,)
    assert len({m.media_group_id for m in posted}) == 1 and posted[0].media_group_id
    assert posted[0].caption == "see <these>"
    data = [both.tg.sandbox.file_bytes(m.files[0].file_id) for m in posted]
    assert data == pictures


async def test_each_kind_and_one_id_per_content(both: Both) -> None:
    vk = both.vk
    text = written(both, "a <b> & c")
    doc = written(both, "", vk.doc("invoice.pdf", b"%PDF-1.4 abc"))
    voice = written(both, "", vk.audio_message(b"OggS voice", 2))
    sticker = written(both, "", vk.sticker(7))
    music = written(both, "", vk.audio("Кино", "Звезда", 200))
    ids = await both.desk.mirror(both.mirror(text, doc, voice, sticker, music, reply_to=None))
    posted = both.topic()
    assert ids == tuple(m.message_id for m in posted)
    assert [m.type for m in posted] == ["text", "document", "voice", "photo", "text"]
    assert posted[0].text == "a <b> & c"
    assert both.tg.sandbox.file_bytes(posted[1].files[0].file_id) == b"%PDF-1.4 abc"
    assert posted[1].files[0].file_name == "invoice.pdf"
    assert both.tg.sandbox.file_bytes(posted[2].files[0].file_id) == b"OggS voice"
    assert posted[4].text == "🎵 Кино — Звезда"


async def test_reply_goes_on_the_first_message(both: Both) -> None:
    first = await both.desk.post(both.thread, "card")
    content = written(both, "with photo", both.vk.photo(png()))
    [photo_id] = await both.desk.mirror(both.mirror(content, reply_to=first))
    [_, photo] = both.topic()
    assert (
        photo.message_id == photo_id and photo.reply_to == first and photo.caption == "with photo"
    )


async def test_no_fetcher_is_a_permanent_error(both: Both, desk_bot: Bot) -> None:
    desk = TelegramOperatorDesk(desk_bot, both.tg.group.id, errors=telegram_errors)
    with pytest.raises(PermanentError):
        await desk.mirror(both.mirror(Content(kind=MessageKind.TEXT, text="x")))


async def test_operator_files_reach_vk_through_the_desk_download(both: Both) -> None:
    picture = png()
    sb = both.tg.sandbox
    sent = sb.send_photo(both.tg.operator, both.tg.group, picture, topic=both.thread)
    photo = Attachment(kind=MessageKind.PHOTO, file_id=sent.files[0].file_id)
    assert await both.desk.download(photo) == picture

    both.vk.user_writes(both.community, both.user, "hi")
    channel = VkChannel(both.api, both.desk.download)
    content = Content(kind=MessageKind.PHOTO, text="here", attachments=(photo,))
    delivery = Delivery(Channel.VK, both.user.id, both.tg.group.id, (sent.message_id,), (content,))
    [vk_id] = await channel.deliver(delivery)
    message = both.vk.chat(both.community, both.user)[-1]
    assert message.id == vk_id and message.text == "here"
    assert both.vk.file_bytes(message.attachments[0]) == picture
