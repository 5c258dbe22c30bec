"""``TelegramOperatorDesk``: the operator group as core's ``OperatorDesk`` port.

Telegram customers' messages are *copied* into their topic (``copyMessage`` /
``copyMessages``), so every type arrives as itself, albums stay albums and nothing is
re-uploaded; an album that replies is re-sent by file id (``operators_group.albums``).
Dice and polls are copied as themselves too: operators see the customer's roll or
question exactly as sent. Messages from other channels (VK) cannot be copied: their
files are downloaded and uploaded again (``operators_group.foreign_files``). Every Bot
API call runs inside the injected error translator, so core only ever sees
``core.errors`` exceptions.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaAnimation,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReactionTypeEmoji,
    ReplyParameters,
)

from core.entities import Attachment, Choice, Content, Mirror, TicketCard
from core.enums import Channel, MessageKind
from core.errors import DeliveryError, NotAForum, PermanentError, TopicGone
from operators_group.albums import album_media
from operators_group.cards import card_keyboard, render_card
from operators_group.foreign_files import Fetcher, ForeignMirror

ErrorTranslator = Callable[[], AbstractAsyncContextManager[None]]

DELIVERED_REACTION = "👌"
DESK_CHOICE_PREFIX = "pick:"  # callback data of the desk's own buttons in topics
_INPUT_MEDIA = {
    MessageKind.PHOTO: InputMediaPhoto,
    MessageKind.VIDEO: InputMediaVideo,
    MessageKind.ANIMATION: InputMediaAnimation,
    MessageKind.DOCUMENT: InputMediaDocument,
    MessageKind.AUDIO: InputMediaAudio,
}
_CAPTIONED = {*_INPUT_MEDIA, MessageKind.VOICE}


class CannotEdit(PermanentError):
    """This kind of message cannot be edited in place (sticker, location, …)."""


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    # A deleted target must not cost us the message itself.
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


class TelegramOperatorDesk:
    """Topics, cards and mirrored messages in the operator supergroup."""

    def __init__(
        self,
        bot: Bot,
        group_chat_id: int,
        *,
        errors: ErrorTranslator,
        locale: str = "en",
        timezone: ZoneInfo | None = None,
        fetchers: Mapping[Channel, Fetcher] | None = None,
    ) -> None:
        self.bot = bot
        self.group_chat_id = group_chat_id
        self.errors = errors
        self.locale = locale
        self.timezone = timezone or ZoneInfo("UTC")
        # Per channel that can't be copied from: how to download its files.
        self.foreign = ForeignMirror(bot, group_chat_id, fetchers or {}, self._calls)

    async def open_topic(self, title: str) -> int:
        """Create a forum topic; return its thread id."""
        async with self._calls():
            topic = await self.bot.create_forum_topic(self.group_chat_id, title[:128])
        return topic.message_thread_id

    async def rename_topic(self, thread_id: int, title: str) -> None:
        """Change a topic's title."""
        async with self._calls():
            await self.bot.edit_forum_topic(self.group_chat_id, thread_id, name=title[:128])

    async def reopen_topic(self, thread_id: int) -> None:
        """Reopen a closed topic."""
        async with self._calls():
            await self.bot.reopen_forum_topic(self.group_chat_id, thread_id)

    async def delete_topic(self, thread_id: int) -> None:
        """Delete a forum topic with its messages."""
        async with self._calls():
            await self.bot.delete_forum_topic(self.group_chat_id, thread_id)

    async def mirror(self, mirror: Mirror) -> tuple[int, ...]:
        """Copy customer messages into their topic; return the copies' ids."""
        if mirror.channel is not Channel.TELEGRAM:
            return await self.foreign.mirror(mirror)
        async with self._calls():
            if len(mirror.source_message_ids) == 1:
                copied = await self.bot.copy_message(
                    chat_id=self.group_chat_id,
                    from_chat_id=mirror.source_chat_id,
                    message_id=mirror.source_message_ids[0],
                    message_thread_id=mirror.thread_id,
                    reply_parameters=_reply(mirror.reply_to_message_id),
                )
                return (copied.message_id,)
            album = album_media(mirror.contents) if mirror.reply_to_message_id else None
            if album is not None:
                sent = await self.bot.send_media_group(
                    self.group_chat_id,
                    album,
                    message_thread_id=mirror.thread_id,
                    reply_parameters=_reply(mirror.reply_to_message_id),
                )
                return tuple(message.message_id for message in sent)
            # copyMessages keeps album grouping; it takes no reply parameters.
            copies = await self.bot.copy_messages(
                chat_id=self.group_chat_id,
                from_chat_id=mirror.source_chat_id,
                message_ids=list(mirror.source_message_ids),
                message_thread_id=mirror.thread_id,
            )
        return tuple(copy.message_id for copy in copies)

    async def download(self, attachment: Attachment) -> bytes:
        """The bytes of a file sent in the group (another channel re-uploads them)."""
        if attachment.file_id is None:
            raise PermanentError(f"this {attachment.kind.value} has no file to download")
        async with self._calls():
            buffer = io.BytesIO()
            await self.bot.download(attachment.file_id, destination=buffer)
        return buffer.getvalue()

    async def post(self, thread_id: int, html: str, *, reply_to: int | None = None) -> int:
        """Post the desk's own HTML message in a topic."""
        async with self._calls():
            sent = await self.bot.send_message(
                self.group_chat_id,
                html,
                message_thread_id=thread_id,
                parse_mode=ParseMode.HTML,
                reply_parameters=_reply(reply_to),
            )
        return sent.message_id

    async def post_choices(
        self, thread_id: int | None, html: str, choices: Sequence[Choice], *, reply_to: int | None
    ) -> int:
        """Post the desk's message with a row of buttons (see ``operators_group.held``)."""
        buttons = [
            InlineKeyboardButton(text=c.label, callback_data=DESK_CHOICE_PREFIX + c.data)
            for c in choices
        ]
        async with self._calls():
            sent = await self.bot.send_message(
                self.group_chat_id,
                html,
                message_thread_id=thread_id,
                parse_mode=ParseMode.HTML,
                reply_parameters=_reply(reply_to),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]),
            )
        return sent.message_id

    async def post_file(
        self, thread_id: int, attachment: Attachment, *, caption: str | None
    ) -> int:
        """Post a file by its file id (a template's attachment) with an HTML caption."""
        send = {
            MessageKind.PHOTO: self.bot.send_photo,
            MessageKind.VIDEO: self.bot.send_video,
            MessageKind.ANIMATION: self.bot.send_animation,
            MessageKind.AUDIO: self.bot.send_audio,
            MessageKind.VOICE: self.bot.send_voice,
        }.get(attachment.kind, self.bot.send_document)
        async with self._calls():
            sent = await send(
                self.group_chat_id,
                attachment.file_id or "",
                caption=caption,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def post_card(self, thread_id: int, card: TicketCard) -> int:
        """Post a ticket card, with its buttons, in a topic."""
        async with self._calls():
            sent = await self.bot.send_message(
                self.group_chat_id,
                self._card(card),
                message_thread_id=thread_id,
                parse_mode=ParseMode.HTML,
                reply_markup=card_keyboard(card, locale=self.locale),
            )
        return sent.message_id

    async def edit_card(self, message_id: int, card: TicketCard) -> None:
        """Show a ticket's new state on its card (text and buttons; menus close)."""
        async with self._calls():
            await self.bot.edit_message_text(
                self._card(card),
                chat_id=self.group_chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=card_keyboard(card, locale=self.locale),
            )

    async def edit_post(self, message_id: int, html: str) -> None:
        """Replace the text of one of the desk's own messages."""
        async with self._calls():
            await self.bot.edit_message_text(
                html, chat_id=self.group_chat_id, message_id=message_id, parse_mode=ParseMode.HTML
            )

    async def edit_mirror(self, message_id: int, content: Content) -> None:
        """Apply a customer's edit to the mirrored copy, or raise :class:`CannotEdit`."""
        text, mode = (content.html, ParseMode.HTML) if content.html else (content.text, None)
        chat = self.group_chat_id
        async with self._calls():
            if content.kind is MessageKind.TEXT:
                await self.bot.edit_message_text(
                    text or "", chat_id=chat, message_id=message_id, parse_mode=mode
                )
            elif content.kind in _INPUT_MEDIA and content.attachments:
                media_type = _INPUT_MEDIA[content.kind]
                media = media_type(
                    media=content.attachments[0].file_id or "", caption=text, parse_mode=mode
                )
                await self.bot.edit_message_media(media, chat_id=chat, message_id=message_id)
            elif content.kind in _CAPTIONED:
                await self.bot.edit_message_caption(
                    chat_id=chat, message_id=message_id, caption=text, parse_mode=mode
                )
            else:
                raise CannotEdit(f"a {content.kind} cannot be edited in place")

    async def pin(self, message_id: int) -> None:
        """Pin a message (the ticket card) without notifying everyone."""
        async with self._calls():
            await self.bot.pin_chat_message(
                self.group_chat_id, message_id, disable_notification=True
            )

    async def mark_delivered(self, message_id: int) -> None:
        """React to an operator's message once the customer has it."""
        async with self._calls():
            await self.bot.set_message_reaction(
                self.group_chat_id, message_id, [ReactionTypeEmoji(emoji=DELIVERED_REACTION)]
            )

    async def alert(self, html: str) -> int:
        """Post in the General topic."""
        async with self._calls():
            sent = await self.bot.send_message(self.group_chat_id, html, parse_mode=ParseMode.HTML)
        return sent.message_id

    async def post_picture(
        self, png: bytes, *, caption: str | None, thread_id: int | None, chat_id: int | None
    ) -> int:
        """Upload a PNG the desk drew, in a topic of the group or in another chat."""
        photo = BufferedInputFile(png, filename="chart.png")
        if chat_id is not None:
            async with self.errors():
                sent = await self.bot.send_photo(
                    chat_id, photo, caption=caption, parse_mode=ParseMode.HTML
                )
            return sent.message_id
        async with self._calls():
            sent = await self.bot.send_photo(
                self.group_chat_id,
                photo,
                caption=caption,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
            )
        return sent.message_id

    async def post_in_chat(self, chat_id: int, html: str) -> int:
        """Post in another chat (the managers'); its errors are that chat's, not the group's."""
        async with self.errors():
            sent = await self.bot.send_message(chat_id, html, parse_mode=ParseMode.HTML)
        return sent.message_id

    @asynccontextmanager
    async def _calls(self) -> AsyncIterator[None]:
        """Bot calls in the group, with domain errors; "topic gone" checked for Topics off.

        With Topics turned off every topic reads "message thread not found", though
        turning them on again brings the topics back: recreating them would orphan the
        history, so that case is told apart and held until an admin fixes it.
        """
        try:
            async with self.errors():
                yield
        except TopicGone:
            if await self._forum() is False:
                raise NotAForum("the operator group has Topics turned off") from None
            raise

    async def _forum(self) -> bool | None:
        """Whether the group is a forum now; None when that cannot be told."""
        try:
            async with self.errors():
                chat = await self.bot.get_chat(self.group_chat_id)
        except DeliveryError:
            return None
        return bool(chat.is_forum)

    def _card(self, card: TicketCard) -> str:
        return render_card(card, locale=self.locale, timezone=self.timezone)
