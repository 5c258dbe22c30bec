"""Showing customers' messages from other channels (VK) in their topic.

A Telegram customer's message is copied into the topic; one from VK cannot be: its
files are downloaded through the channel's injected fetcher and uploaded to Telegram.

* several photos of one message → one album (``sendMediaGroup``, 10 per album), the
  message's text as the caption of the first photo;
* one photo → ``sendPhoto``; a sticker → ``sendPhoto`` of its image;
* a document → ``sendDocument``; a voice message → ``sendVoice``;
* what has no file (text, music and videos bots cannot download, links, wall posts)
  is already written out in the content's text → ``sendMessage``, escaped.

A text longer than a caption may be goes first as its own message. The id returned
for each content is that of its first message in the topic (what replies and edits
refer to).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from html import escape

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.types import BufferedInputFile, InputMediaPhoto, Message, ReplyParameters

from core.entities import Attachment, Content, Mirror
from core.enums import Channel, MessageKind
from core.errors import PermanentError

__all__ = ["Fetcher", "ForeignMirror"]

Fetcher = Callable[[Attachment], Awaitable[bytes]]
ErrorTranslator = Callable[[], AbstractAsyncContextManager[None]]

_CAPTION = 1024  # Telegram's caption limit
_TEXT = 4096  # Telegram's message limit
_ALBUM = 10
_NAMES = {
    MessageKind.PHOTO: "photo.jpg",
    MessageKind.STICKER: "sticker.png",
    MessageKind.VOICE: "voice.ogg",
}


def _html(content: Content) -> str:
    return content.html or escape(content.text or "")


def _chunks(html: str) -> list[str]:
    return [html[start : start + _TEXT] for start in range(0, len(html), _TEXT)]


class ForeignMirror:
    """Rebuilds customers' messages of a non-Telegram channel in the operator group."""

    def __init__(
        self,
        bot: Bot,
        group_chat_id: int,
        fetchers: Mapping[Channel, Fetcher],
        errors: ErrorTranslator,
    ) -> None:
        self.bot = bot
        self.group_chat_id = group_chat_id
        self.fetchers = fetchers
        self.errors = errors

    async def mirror(self, mirror: Mirror) -> tuple[int, ...]:
        """Post each content in the topic; return the first message id of each."""
        fetch = self.fetchers.get(mirror.channel)
        if fetch is None:
            raise PermanentError(f"mirroring from {mirror.channel} is not available")
        ids: list[int] = []
        reply = mirror.reply_to_message_id
        for content in mirror.contents:
            ids.append(await self._content(mirror.thread_id, content, fetch, reply))
            reply = None  # the batch answers once, with its first message
        return tuple(ids)

    async def _content(
        self, thread_id: int, content: Content, fetch: Fetcher, reply: int | None
    ) -> int:
        files = [a for a in content.attachments if a.details.get("url")]
        caption: str | None = _html(content) or None
        first: int | None = None
        if caption is not None and (not files or len(caption) > _CAPTION):
            for chunk in _chunks(caption):
                sent = await self._send_text(thread_id, chunk, reply if first is None else None)
                first = first if first is not None else sent
            caption = None
        photos = [a for a in files if a.kind is MessageKind.PHOTO]
        for start in range(0, len(photos), _ALBUM):
            group = photos[start : start + _ALBUM]
            sent = await self._photos(thread_id, group, fetch, caption, reply, first)
            first, caption = (first if first is not None else sent), None
        for attachment in (a for a in files if a.kind is not MessageKind.PHOTO):
            sent = await self._file(thread_id, attachment, fetch, caption, reply, first)
            first, caption = (first if first is not None else sent), None
        if first is None:  # nothing at all: still show that something came
            first = await self._send_text(thread_id, f"[{content.kind.value}]", reply)
        return first

    def _reply(self, reply: int | None, first: int | None) -> ReplyParameters | None:
        if reply is None or first is not None:
            return None
        return ReplyParameters(message_id=reply, allow_sending_without_reply=True)

    async def _send_text(self, thread_id: int, html: str, reply: int | None) -> int:
        async with self.errors():
            sent = await self.bot.send_message(
                self.group_chat_id,
                html,
                message_thread_id=thread_id,
                parse_mode=ParseMode.HTML,
                reply_parameters=self._reply(reply, None),
            )
        return sent.message_id

    async def _input(self, attachment: Attachment, fetch: Fetcher) -> BufferedInputFile:
        data = await fetch(attachment)
        name = attachment.file_name or _NAMES.get(attachment.kind, "file")
        return BufferedInputFile(data, filename=name)

    async def _photos(
        self,
        thread_id: int,
        photos: list[Attachment],
        fetch: Fetcher,
        caption: str | None,
        reply: int | None,
        first: int | None,
    ) -> int:
        if len(photos) == 1:
            return await self._file(thread_id, photos[0], fetch, caption, reply, first)
        media = [
            InputMediaPhoto(
                media=await self._input(photo, fetch),
                caption=caption if index == 0 else None,
                parse_mode=ParseMode.HTML if index == 0 and caption else None,
            )
            for index, photo in enumerate(photos)
        ]
        async with self.errors():
            sent = await self.bot.send_media_group(
                self.group_chat_id,
                media,  # type: ignore[arg-type]
                message_thread_id=thread_id,
                reply_parameters=self._reply(reply, first),
            )
        return sent[0].message_id

    async def _file(
        self,
        thread_id: int,
        attachment: Attachment,
        fetch: Fetcher,
        caption: str | None,
        reply: int | None,
        first: int | None,
    ) -> int:
        upload = await self._input(attachment, fetch)
        target = self._reply(reply, first)
        mode = ParseMode.HTML if caption else None
        chat = self.group_chat_id
        senders: dict[MessageKind, Callable[..., Awaitable[Message]]] = {
            MessageKind.PHOTO: self.bot.send_photo,
            MessageKind.STICKER: self.bot.send_photo,  # a VK sticker is an image
            MessageKind.VOICE: self.bot.send_voice,
        }
        send = senders.get(attachment.kind, self.bot.send_document)
        async with self.errors():
            sent = await send(
                chat,
                upload,
                caption=caption,
                parse_mode=mode,
                message_thread_id=thread_id,
                reply_parameters=target,
            )
        return sent.message_id
