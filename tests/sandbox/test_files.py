"""Files round-trip byte for byte: upload → file_id → getFile → download → resend."""

from __future__ import annotations

import os
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import (
    BufferedInputFile,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from tests.fixtures.telegram_sandbox import DeskWorld


def png(width: int, height: int) -> bytes:
    """A PNG header with the given size followed by random bytes."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + os.urandom(64)


async def download(bot: Bot, file_id: str) -> bytes:
    info = await bot.get_file(file_id)
    assert info.file_path
    stream = await bot.download_file(info.file_path)
    assert stream is not None
    return stream.read()


def file_id_of(message: Message, kind: str) -> str:
    value: Any = getattr(message, kind)
    return value[-1].file_id if isinstance(value, list) else value.file_id


SENDERS: dict[str, Callable[[Bot, int, Any], Awaitable[Message]]] = {
    "photo": lambda b, c, f: b.send_photo(c, f, caption="p"),
    "video": lambda b, c, f: b.send_video(c, f, duration=3, width=320, height=240),
    "animation": lambda b, c, f: b.send_animation(c, f),
    "document": lambda b, c, f: b.send_document(c, f, caption="<b>doc</b>", parse_mode="HTML"),
    "audio": lambda b, c, f: b.send_audio(c, f, performer="Band", title="Song"),
    "voice": lambda b, c, f: b.send_voice(c, f, duration=2),
    "video_note": lambda b, c, f: b.send_video_note(c, f, length=240),
    "sticker": lambda b, c, f: b.send_sticker(c, f, emoji="😀"),
}


@pytest.mark.parametrize("kind", list(SENDERS))
async def test_upload_download_and_resend(kind: str, desk_world: DeskWorld, desk_bot: Bot) -> None:
    data = png(64, 48) if kind in ("photo", "sticker") else os.urandom(3000)
    chat = desk_world.customer.id
    first = await SENDERS[kind](desk_bot, chat, BufferedInputFile(data, f"upload.{kind}.bin"))
    file_id = file_id_of(first, kind)
    assert await download(desk_bot, file_id) == data
    again = await SENDERS[kind](desk_bot, chat, file_id)
    assert file_id_of(again, kind) == file_id
    assert await download(desk_bot, file_id_of(again, kind)) == data
    if kind == "photo":
        assert first.photo and (first.photo[-1].width, first.photo[-1].height) == (64, 48)
    if kind == "document":
        assert first.caption == "doc" and first.document and first.document.file_name


async def test_media_group_items_share_an_album(desk_world: DeskWorld, desk_bot: Bot) -> None:
    blobs = [png(10, 10), os.urandom(500), png(20, 20)]
    media = [
        InputMediaPhoto(media=BufferedInputFile(blobs[0], "a.png"), caption="album"),
        InputMediaVideo(media=BufferedInputFile(blobs[1], "b.mp4")),
        InputMediaPhoto(media=BufferedInputFile(blobs[2], "c.png")),
    ]
    sent = await desk_bot.send_media_group(desk_world.group.id, media)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert sent[0].caption == "album"
    got = [await download(desk_bot, file_id_of(m, "video" if m.video else "photo")) for m in sent]
    assert got == blobs
    copies = await desk_bot.copy_messages(
        desk_world.group.id, desk_world.group.id, [m.message_id for m in sent]
    )
    views = desk_world.sandbox.messages(desk_world.group)[-3:]
    assert [v.message_id for v in views] == [c.message_id for c in copies]
    assert len({v.media_group_id for v in views}) == 1
    assert views[0].media_group_id != sent[0].media_group_id


async def test_documents_album_and_user_files(desk_world: DeskWorld, desk_bot: Bot) -> None:
    docs = [
        InputMediaDocument(media=BufferedInputFile(os.urandom(10), f"{i}.txt")) for i in range(2)
    ]
    sent = await desk_bot.send_media_group(desk_world.customer.id, docs)
    assert [m.document.file_name for m in sent if m.document] == ["0.txt", "1.txt"]
    data = os.urandom(777)
    view = desk_world.sandbox.send_document(
        desk_world.customer, desk_world.bot, data, file_name="invoice.pdf"
    )
    assert await download(desk_bot, view.files[0].file_id) == data
    assert desk_world.sandbox.file_bytes(view.files[0].file_id) == data


async def test_edit_message_media_replaces_file(desk_world: DeskWorld, desk_bot: Bot) -> None:
    old, new = png(5, 5), png(7, 7)
    msg = await desk_bot.send_photo(desk_world.customer.id, BufferedInputFile(old, "o.png"))
    edited = await desk_bot.edit_message_media(
        InputMediaPhoto(media=BufferedInputFile(new, "n.png"), caption="v2"),
        chat_id=desk_world.customer.id,
        message_id=msg.message_id,
    )
    assert isinstance(edited, Message) and edited.caption == "v2" and edited.photo
    assert await download(desk_bot, edited.photo[-1].file_id) == new


async def test_file_unique_id_is_stable_for_same_bytes(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    data = os.urandom(100)
    a = await desk_bot.send_document(desk_world.customer.id, BufferedInputFile(data, "a.bin"))
    b = await desk_bot.send_document(desk_world.customer.id, BufferedInputFile(data, "b.bin"))
    c = await desk_bot.send_document(
        desk_world.customer.id, BufferedInputFile(os.urandom(100), "c")
    )
    assert a.document and b.document and c.document
    assert a.document.file_id != b.document.file_id
    assert a.document.file_unique_id == b.document.file_unique_id != c.document.file_unique_id
