"""editMessageText / Caption / Media / ReplyMarkup and setMessageReaction."""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..errors import bad_request
from ..media import MEDIA_KINDS
from ..models import Message
from ..reactions import check_reactions
from .base import Call, method
from .compose import caption_content, inline_markup, sent, text_content
from .media_send import input_media_body


def _editable(call: Call) -> Message:
    """The bot's own message named by ``chat_id`` + ``message_id``."""
    if call.p.has("inline_message_id") and not call.p.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    message = chat.messages.get(call.p.req_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender.id != call.bot.id or message.is_service:
        raise bad_request("message can't be edited")
    return message


def _apply(call: Call, message: Message, content: dict[str, Any], kind: str | None = None) -> Any:
    """Replace the message body and keyboard unless nothing would change."""
    markup = inline_markup(call.p)
    if content == message.content and markup == message.reply_markup:
        raise bad_request(E.NOT_MODIFIED)
    call.world.flood.spend(call.bot.id, message.chat.id)
    message.content = content
    message.kind = kind or message.kind
    message.reply_markup = markup  # omitting reply_markup removes the keyboard, as on Telegram
    message.edit_date = call.world.now()
    call.world.touch()
    return sent(message)


@method("editMessageText")
async def edit_message_text(call: Call) -> Any:
    """editMessageText."""
    message = _editable(call)
    if "text" not in message.content:
        raise bad_request("there is no text in the message to edit")
    content = {k: v for k, v in message.content.items() if k not in ("text", "entities")}
    content.update(text_content(call.p))
    return _apply(call, message, content)


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> Any:
    """editMessageCaption (an absent caption removes it)."""
    message = _editable(call)
    if message.kind not in MEDIA_KINDS:
        raise bad_request("there is no caption in the message to edit")
    content = {k: v for k, v in message.content.items() if k not in ("caption", "caption_entities")}
    content.update(
        caption_content(
            call.p.str("caption"), call.p.str("parse_mode"), call.p.json("caption_entities")
        )
    )
    return _apply(call, message, content)


@method("editMessageMedia")
async def edit_message_media(call: Call) -> Any:
    """editMessageMedia: a new file (uploaded or by file_id) and caption."""
    message = _editable(call)
    if message.kind not in MEDIA_KINDS:
        raise bad_request("there is no media in the message to edit")
    item = call.p.json("media")
    if not isinstance(item, dict):
        raise bad_request("media is empty")
    kind, content = input_media_body(call, item)
    return _apply(call, message, content, kind)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Any:
    """editMessageReplyMarkup."""
    message = _editable(call)
    return _apply(call, message, dict(message.content))


@method("setMessageReaction")
async def set_message_reaction(call: Call) -> bool:
    """setMessageReaction: the bot's reaction replaces its previous one."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    message = chat.messages.get(call.p.req_int("message_id"))
    if message is None:
        raise bad_request("message to react not found")
    reactions = check_reactions(call.p.json("reaction"))
    if reactions:
        message.reactions[call.bot.id] = reactions
    else:
        message.reactions.pop(call.bot.id, None)
    call.world.touch()
    return True
