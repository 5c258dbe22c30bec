"""createForumTopic, editForumTopic, closeForumTopic, reopenForumTopic, deleteForumTopic."""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..errors import bad_request
from ..models import Chat
from ..serialize import topic_json
from ..topics import create_topic, delete_topic, edit_topic, get_topic, set_closed
from .base import Call, method


def _forum_chat(call: Call) -> Chat:
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id(), sending=True)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _can_manage(call: Call, chat: Chat, thread_id: int | None, right: str) -> bool:
    """Admins with ``right`` may act on any topic; the creator on their own, except
    deleting it (the Bot API names no exception for deleteForumTopic)."""
    member = call.me(chat)
    if member is not None and member.can(right):
        return True
    if thread_id is None or right == "can_delete_messages":
        return False
    return get_topic(chat, thread_id).creator_id == call.bot.id


@method("createForumTopic")
async def create_forum_topic(call: Call) -> dict[str, Any]:
    """createForumTopic: needs can_manage_topics."""
    chat = _forum_chat(call)
    if not _can_manage(call, chat, None, "can_manage_topics"):
        raise bad_request(E.NO_TOPIC_RIGHTS)
    topic = create_topic(
        call.world,
        chat,
        call.bot.user,
        call.p.str("name") or "",
        call.p.int("icon_color"),
        call.p.str("icon_custom_emoji_id"),
    )
    return topic_json(topic)


def _thread(call: Call, chat: Chat, right: str = "can_manage_topics") -> int:
    thread_id = call.p.req_int("message_thread_id")
    get_topic(chat, thread_id)
    if not _can_manage(call, chat, thread_id, right):
        raise bad_request(
            "not enough rights to manage topics"
            if right == "can_manage_topics"
            else "not enough rights to delete a topic"
        )
    return thread_id


@method("editForumTopic")
async def edit_forum_topic(call: Call) -> bool:
    """editForumTopic: new name and/or icon."""
    chat = _forum_chat(call)
    thread_id = _thread(call, chat)
    edit_topic(
        call.world,
        chat,
        call.bot.user,
        thread_id,
        call.p.str("name"),
        call.p.str("icon_custom_emoji_id"),
    )
    return True


@method("closeForumTopic")
async def close_forum_topic(call: Call) -> bool:
    """closeForumTopic."""
    chat = _forum_chat(call)
    set_closed(call.world, chat, call.bot.user, _thread(call, chat), closed=True)
    return True


@method("reopenForumTopic")
async def reopen_forum_topic(call: Call) -> bool:
    """reopenForumTopic."""
    chat = _forum_chat(call)
    set_closed(call.world, chat, call.bot.user, _thread(call, chat), closed=False)
    return True


@method("deleteForumTopic")
async def delete_forum_topic(call: Call) -> bool:
    """deleteForumTopic: needs can_delete_messages."""
    chat = _forum_chat(call)
    delete_topic(call.world, chat, _thread(call, chat, "can_delete_messages"))
    return True
