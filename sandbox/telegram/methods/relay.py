"""copyMessage(s), forwardMessage(s), deleteMessage(s) and pinning."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from ..errors import bad_request
from ..models import Chat, Message
from ..pins import pin, unpin_where
from ..serialize import user_json
from .base import Call, method
from .compose import Target, caption_content, inline_markup, sent, target


def _source(call: Call, message_id: int, missing: str) -> Message:
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id("from_chat_id"))
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request(missing)
    if message.is_service:
        raise bad_request(
            "message can't be copied" if "copy" in missing else "message can't be forwarded"
        )
    if message.protect_content:
        raise bad_request("message has protected content and can't be forwarded")
    return message


def _ids(call: Call) -> list[int]:
    ids = call.p.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids is empty" if not ids else "too many messages")
    return [int(i) for i in ids]


def _repost(
    call: Call, to: Target, source: Message, forward: bool, album: dict[str, str] | None
) -> Message:
    """Post a copy (or a forward) of ``source`` as the calling bot.

    ``album`` maps the source's album ids to the copies' (None: a lone message, which
    Telegram never shows as part of an album, even when its source was one).
    """
    content = copy.deepcopy(source.content)
    group = None
    if source.media_group_id is not None and album is not None:
        group = album.setdefault(source.media_group_id, call.world.new_media_group_id())
    origin = None
    if forward:
        origin = source.forward_origin or {
            "type": "user",
            "date": source.date,
            "sender_user": user_json(source.sender),
        }
    return call.world.post(
        to.chat,
        call.bot.user,
        source.kind,
        content,
        thread_id=to.thread_id,
        reply_to=to.reply_to,
        forward_origin=origin,
        media_group_id=group,
        protect_content=call.p.bool("protect_content"),
        silent=call.p.bool("disable_notification"),
        reply_markup=None if forward else inline_markup(call.p),
    )


@method("copyMessage")
async def copy_message(call: Call) -> dict[str, Any]:
    """copyMessage: the content without a link to the original; returns ``MessageId``."""
    source = _source(call, call.p.req_int("message_id"), "message to copy not found")
    to = target(call)
    call.world.flood.spend(call.bot.id, to.chat.id)
    message = _repost(call, to, source, forward=False, album=None)
    if call.p.has("caption") or call.p.bool("remove_caption"):
        message.content.pop("caption", None)
        message.content.pop("caption_entities", None)
        if not call.p.bool("remove_caption"):
            message.content.update(
                caption_content(
                    call.p.str("caption"), call.p.str("parse_mode"), call.p.json("caption_entities")
                )
            )
    return {"message_id": message.message_id}


@method("forwardMessage")
async def forward_message(call: Call) -> dict[str, Any]:
    """forwardMessage: a copy that carries ``forward_origin``."""
    source = _source(call, call.p.req_int("message_id"), "message to forward not found")
    to = target(call)
    call.world.flood.spend(call.bot.id, to.chat.id)
    return sent(_repost(call, to, source, forward=True, album=None))


async def _many(call: Call, forward: bool) -> list[dict[str, int]]:
    """copyMessages / forwardMessages: missing or protected messages are skipped."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id("from_chat_id"))
    sources = [chat.messages.get(i) for i in sorted(set(_ids(call)))]
    usable = [m for m in sources if m is not None and not m.is_service and not m.protect_content]
    if not usable:
        raise bad_request(
            "message to copy not found" if not forward else "message to forward not found"
        )
    to = target(call)
    call.world.flood.spend(call.bot.id, to.chat.id, len(usable))
    # Albums stay albums, but an album of which one item was picked is a lone message.
    groups = Counter(m.media_group_id for m in usable)
    album: dict[str, str] = {}
    copies = [
        _repost(call, to, m, forward, album if groups[m.media_group_id] > 1 else None)
        for m in usable
    ]
    if not forward and call.p.bool("remove_caption"):
        for message in copies:
            message.content.pop("caption", None)
            message.content.pop("caption_entities", None)
    return [{"message_id": m.message_id} for m in copies]


@method("copyMessages")
async def copy_messages(call: Call) -> list[dict[str, int]]:
    """copyMessages: up to 100 messages, albums kept together."""
    return await _many(call, forward=False)


@method("forwardMessages")
async def forward_messages(call: Call) -> list[dict[str, int]]:
    """forwardMessages: up to 100 messages, albums kept together."""
    return await _many(call, forward=True)


def _deletable(call: Call, chat: Chat, message: Message) -> bool:
    if message.kind == "forum_topic_created":
        return False
    if chat.is_private or message.sender.id == call.bot.id:
        return True
    member = call.me(chat)
    return member is not None and member.can("can_delete_messages")


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    """deleteMessage: the bot's own messages, or anyone's with can_delete_messages."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    message = chat.messages.get(call.p.req_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not _deletable(call, chat, message):
        raise bad_request("message can't be deleted")
    del chat.messages[message.message_id]
    call.world.touch()
    return True


@method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    """deleteMessages: deletes what it can, skips what it cannot."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    found = [chat.messages.get(i) for i in _ids(call)]
    doomed = [m for m in found if m is not None and _deletable(call, chat, m)]
    if not doomed:
        raise bad_request("message to delete not found")
    for message in doomed:
        del chat.messages[message.message_id]
    call.world.touch()
    return True


def pin_chat(call: Call) -> Chat:
    """The chat of a pin method, if the bot may pin there (always in a private chat)."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    member = call.me(chat)
    if not chat.is_private and (member is None or not member.can("can_pin_messages")):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    return chat


@method("pinChatMessage")
async def pin_chat_message(call: Call) -> bool:
    """pinChatMessage: marks the message pinned and posts the service message."""
    chat = pin_chat(call)
    message = chat.messages.get(call.p.req_int("message_id"))
    if message is None:
        raise bad_request("message to pin not found")
    pin(call.world, chat, call.bot.user, message, silent=call.p.bool("disable_notification"))
    return True


@method("unpinChatMessage")
async def unpin_chat_message(call: Call) -> bool:
    """unpinChatMessage: the given message, or the most recently pinned one."""
    chat = pin_chat(call)
    pinned = [m for m in chat.messages.values() if m.pinned]
    message_id = call.p.int("message_id")
    if message_id is not None:
        pinned = [m for m in pinned if m.message_id == message_id]
        if not pinned:
            raise bad_request("message to unpin not found")
    if pinned:
        pinned[-1].pinned = False
        call.world.touch()
    return True


@method("unpinAllChatMessages")
async def unpin_all_chat_messages(call: Call) -> bool:
    """unpinAllChatMessages."""
    unpin_where(call.world, pin_chat(call), lambda message: True)
    return True
