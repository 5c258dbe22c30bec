"""The General topic's methods, topic icons, and unpinning inside one topic.

editGeneralForumTopic, closeGeneralForumTopic, reopenGeneralForumTopic,
hideGeneralForumTopic, unhideGeneralForumTopic, unpinAllGeneralForumTopicMessages,
unpinAllForumTopicMessages and getForumTopicIconStickers. Each change of the General
topic posts its service message in General (no ``message_thread_id``), as Telegram does.
"""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..models import Chat
from ..pins import unpin_where
from ..topics import TOPIC_ICONS, get_topic, sticker_json
from .base import Call, method

NOT_MODIFIED = "TOPIC_NOT_MODIFIED"


def _forum(call: Call, right: str = "can_manage_topics") -> Chat:
    """The forum of ``chat_id`` if the bot holds ``right`` there."""
    chat = call.world.chat_for_bot(call.bot, call.p.chat_id())
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    me = call.me(chat)
    if me is None or not me.can(right):
        raise bad_request(
            "not enough rights to manage topics"
            if right == "can_manage_topics"
            else "not enough rights to manage pinned messages in the chat"
        )
    return chat


def _announce(call: Call, chat: Chat, kind: str, body: dict[str, Any] | None = None) -> None:
    call.world.post(chat, call.bot.user, kind, {kind: body or {}}, is_service=True)


@method("editGeneralForumTopic")
async def edit_general_forum_topic(call: Call) -> bool:
    """editGeneralForumTopic: a new name, 1-128 characters."""
    chat = _forum(call)
    name = call.p.str("name") or ""
    if not name:
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    if name == chat.general.name:
        raise bad_request(NOT_MODIFIED)
    chat.general.name = name
    _announce(call, chat, "forum_topic_edited", {"name": name})
    return True


@method("closeGeneralForumTopic")
async def close_general_forum_topic(call: Call) -> bool:
    """closeGeneralForumTopic: only topic managers may post in General afterwards."""
    chat = _forum(call)
    if chat.general.closed:
        raise bad_request(NOT_MODIFIED)
    chat.general.closed = True
    _announce(call, chat, "forum_topic_closed")
    return True


@method("reopenGeneralForumTopic")
async def reopen_general_forum_topic(call: Call) -> bool:
    """reopenGeneralForumTopic: also unhides it, as the Bot API says."""
    chat = _forum(call)
    if not chat.general.closed:
        raise bad_request(NOT_MODIFIED)
    chat.general.closed = chat.general.hidden = False
    _announce(call, chat, "forum_topic_reopened")
    return True


@method("hideGeneralForumTopic")
async def hide_general_forum_topic(call: Call) -> bool:
    """hideGeneralForumTopic: also closes it, as the Bot API says."""
    chat = _forum(call)
    if chat.general.hidden:
        raise bad_request(NOT_MODIFIED)
    chat.general.hidden = chat.general.closed = True
    _announce(call, chat, "general_forum_topic_hidden")
    return True


@method("unhideGeneralForumTopic")
async def unhide_general_forum_topic(call: Call) -> bool:
    """unhideGeneralForumTopic: it stays closed if it was."""
    chat = _forum(call)
    if not chat.general.hidden:
        raise bad_request(NOT_MODIFIED)
    chat.general.hidden = False
    _announce(call, chat, "general_forum_topic_unhidden")
    return True


@method("unpinAllGeneralForumTopicMessages")
async def unpin_all_general_forum_topic_messages(call: Call) -> bool:
    """unpinAllGeneralForumTopicMessages: needs can_pin_messages."""
    chat = _forum(call, "can_pin_messages")
    unpin_where(call.world, chat, lambda message: message.thread_id is None)
    return True


@method("unpinAllForumTopicMessages")
async def unpin_all_forum_topic_messages(call: Call) -> bool:
    """unpinAllForumTopicMessages: one topic's pins; needs can_pin_messages."""
    chat = _forum(call, "can_pin_messages")
    thread_id = get_topic(chat, call.p.req_int("message_thread_id")).thread_id
    unpin_where(call.world, chat, lambda message: message.thread_id == thread_id)
    return True


@method("getForumTopicIconStickers")
async def get_forum_topic_icon_stickers(call: Call) -> list[dict[str, Any]]:
    """getForumTopicIconStickers: the icons createForumTopic and editForumTopic accept."""
    return [sticker_json(emoji_id) for emoji_id in TOPIC_ICONS]
