"""``TelegramChannel``: core's :class:`~core.ports.CustomerChannel` for Telegram customers.

Operators write in a forum topic of the operator group, so their messages already
exist on Telegram: delivering one is a ``copyMessage`` (no re-upload, no "forwarded
from" header, so operators stay anonymous), and several at once go through
``copyMessages``, which keeps an album an album. Dice and polls are copied like any
other reply: what an operator sends is what the customer gets (a quiz whose answer the
bot cannot know is refused by Telegram, and the topic is told why). Every Bot call runs inside
:func:`~bots.telegram.errors.telegram_errors`, so callers only see :mod:`core.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaAnimation,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaLivePhoto,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
)

from bots.telegram.choices import ChoiceCallback
from bots.telegram.content import content_of
from bots.telegram.errors import telegram_errors
from core.entities import Attachment, Choice, Content, Delivery, DeliveryEdit
from core.enums import Channel, MessageKind
from core.errors import NotModified, PermanentError

__all__ = ["TelegramChannel", "input_media_of"]

InputMedia = (
    InputMediaPhoto | InputMediaVideo | InputMediaAnimation | InputMediaDocument | InputMediaAudio
)
# What sendMediaGroup takes (live photos never come out of input_media_of).
AlbumMedia = (
    InputMediaAudio | InputMediaDocument | InputMediaLivePhoto | InputMediaPhoto | InputMediaVideo
)

# Kinds editMessageMedia accepts; voice notes can only get a new caption.
_REPLACEABLE = frozenset(
    {
        MessageKind.PHOTO,
        MessageKind.VIDEO,
        MessageKind.ANIMATION,
        MessageKind.DOCUMENT,
        MessageKind.AUDIO,
    }
)
_CAPTIONED = _REPLACEABLE | {MessageKind.VOICE}
# Which kinds may share one album (documents and audios only with their own kind).
_ALBUM_FAMILIES = (
    frozenset({MessageKind.PHOTO, MessageKind.VIDEO}),
    frozenset({MessageKind.DOCUMENT}),
    frozenset({MessageKind.AUDIO}),
)


def _formatted(content: Content) -> tuple[str | None, str | None]:
    """Text and parse mode: the HTML when there is formatting, else the plain text.

    The parse mode is always explicit so that a bot-wide default parse mode can
    never reinterpret plain text that happens to contain ``<`` or ``*``.
    """
    if content.html:
        return content.html, "HTML"
    return content.text, None


def input_media_of(attachment: Attachment, content: Content) -> InputMedia:
    """An ``InputMedia*`` re-sending ``attachment`` by file_id with the content's caption."""
    if attachment.file_id is None or attachment.kind not in _REPLACEABLE:
        raise PermanentError(f"a {attachment.kind.value} can't be sent as album or new media")
    caption, parse_mode = _formatted(content)
    media, details = attachment.file_id, attachment.details
    if attachment.kind is MessageKind.PHOTO:
        return InputMediaPhoto(
            media=media,
            caption=caption,
            parse_mode=parse_mode,
            has_spoiler=details.get("has_spoiler"),
        )
    if attachment.kind in (MessageKind.VIDEO, MessageKind.ANIMATION):
        cls = InputMediaVideo if attachment.kind is MessageKind.VIDEO else InputMediaAnimation
        return cls(
            media=media,
            caption=caption,
            parse_mode=parse_mode,
            width=details.get("width"),
            height=details.get("height"),
            duration=details.get("duration"),
            has_spoiler=details.get("has_spoiler"),
        )
    if attachment.kind is MessageKind.AUDIO:
        return InputMediaAudio(
            media=media,
            caption=caption,
            parse_mode=parse_mode,
            duration=details.get("duration"),
            performer=details.get("performer"),
            title=details.get("title"),
        )
    return InputMediaDocument(media=media, caption=caption, parse_mode=parse_mode)


def _album_media(contents: tuple[Content, ...]) -> list[AlbumMedia] | None:
    """The contents as one sendMediaGroup request, or None if they can't form an album."""
    if not 2 <= len(contents) <= 10:
        return None
    if any(len(c.attachments) != 1 or c.attachments[0].file_id is None for c in contents):
        return None
    kinds = {c.attachments[0].kind for c in contents}
    if not any(kinds <= family for family in _ALBUM_FAMILIES):
        return None
    media = [input_media_of(c.attachments[0], c) for c in contents]
    return [item for item in media if not isinstance(item, InputMediaAnimation)]


class TelegramChannel:
    """Reaches Telegram customers in their private chats with the bot."""

    channel = Channel.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, delivery: Delivery) -> tuple[int, ...]:
        """Copy operator messages to the customer; return the copies' ids in order.

        ``copyMessages`` skips sources deleted in the meantime, so fewer ids than
        sources may come back; it raises ``MessageGone`` only when none is left.
        """
        sources = delivery.source_message_ids
        if not sources:
            return ()
        reply = None
        if delivery.reply_to_message_id is not None:
            # A reply to a message the customer deleted still arrives, just unthreaded.
            reply = ReplyParameters(
                message_id=delivery.reply_to_message_id, allow_sending_without_reply=True
            )
        if len(sources) == 1:
            return (await self._copy_one(delivery, sources[0], reply),)
        if reply is None:
            return await self._copy_many(delivery, sources)
        # copyMessages can't reply; an album that must reply is re-sent by file_id,
        # which keeps it one album and keeps the reply.
        album = _album_media(delivery.contents)
        if album is not None and len(album) == len(sources):
            async with telegram_errors():
                sent = await self.bot.send_media_group(
                    delivery.chat_id, album, reply_parameters=reply
                )
            return tuple(message.message_id for message in sent)
        first = await self._copy_one(delivery, sources[0], reply)
        return (first, *await self._copy_many(delivery, sources[1:]))

    async def _copy_one(
        self, delivery: Delivery, message_id: int, reply: ReplyParameters | None
    ) -> int:
        async with telegram_errors():
            copied = await self.bot.copy_message(
                chat_id=delivery.chat_id,
                from_chat_id=delivery.source_chat_id,
                message_id=message_id,
                reply_parameters=reply,
            )
        return copied.message_id

    async def _copy_many(self, delivery: Delivery, message_ids: tuple[int, ...]) -> tuple[int, ...]:
        # Telegram wants strictly increasing ids; group ids grow with time, so sorting
        # keeps the operators' order.
        ordered = sorted(set(message_ids))
        async with telegram_errors():
            copied = await self.bot.copy_messages(
                chat_id=delivery.chat_id,
                from_chat_id=delivery.source_chat_id,
                message_ids=ordered,
            )
        return tuple(item.message_id for item in copied)

    async def edit(self, edit: DeliveryEdit) -> None:
        """Apply an operator's edit to the customer's copy (``NotModified`` if no change)."""
        content = edit.content
        if content.kind is MessageKind.TEXT and not content.attachments:
            text, parse_mode = _formatted(content)
            async with telegram_errors():
                await self.bot.edit_message_text(
                    text=text or "",
                    chat_id=edit.chat_id,
                    message_id=edit.message_id,
                    parse_mode=parse_mode,
                )
            return
        if content.kind not in _CAPTIONED or not content.attachments:
            raise PermanentError(f"a {content.kind.value} message can't be edited")
        wanted = content.attachments[0]
        try:
            current = await self._edit_caption(edit)
        except NotModified:
            # Telegram reported an edit, and the caption is the same: the file changed.
            if wanted.kind not in _REPLACEABLE:
                raise
            current = None
        if wanted.kind not in _REPLACEABLE:
            return
        if current is not None and _same_file(current, wanted):
            return
        async with telegram_errors():
            await self.bot.edit_message_media(
                media=input_media_of(wanted, content),
                chat_id=edit.chat_id,
                message_id=edit.message_id,
            )

    async def _edit_caption(self, edit: DeliveryEdit) -> Message | None:
        """Set the caption; return the edited message (it tells which file it holds)."""
        caption, parse_mode = _formatted(edit.content)
        async with telegram_errors():
            result = await self.bot.edit_message_caption(
                chat_id=edit.chat_id,
                message_id=edit.message_id,
                caption=caption,
                parse_mode=parse_mode,
            )
        return result if isinstance(result, Message) else None

    async def send_text(self, chat_id: int, html: str, *, key: str = "") -> int:
        """Send the desk's own HTML message to the customer; return its id.

        Telegram has no idempotency key, so ``key`` is not used here.
        """
        async with telegram_errors():
            sent = await self.bot.send_message(chat_id, html, parse_mode="HTML")
        return sent.message_id

    async def react(self, chat_id: int, message_id: int, emoji: str, *, key: str = "") -> None:
        """Put the desk's reaction on a customer's message."""
        async with telegram_errors():
            await self.bot.set_message_reaction(
                chat_id, message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )

    async def send_choices(
        self, chat_id: int, html: str, choices: Sequence[Choice], *, key: str = ""
    ) -> int:
        """Send the desk's message with one row of inline buttons; return its id."""
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=choice.label, callback_data=ChoiceCallback.of(choice.data).pack()
                    )
                    for choice in choices
                ]
            ]
        )
        async with telegram_errors():
            sent = await self.bot.send_message(
                chat_id, html, parse_mode="HTML", reply_markup=keyboard
            )
        return sent.message_id


def _same_file(message: Message, wanted: Attachment) -> bool:
    """Whether the edited message already shows the file the operator's message shows."""
    attachments = content_of(message).attachments
    if not attachments or wanted.file_unique_id is None:
        return False
    return attachments[0].file_unique_id == wanted.file_unique_id
