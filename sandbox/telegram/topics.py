"""Forum topic life cycle shared by the Bot API and the control API.

Each change posts the service message Telegram posts: ``forum_topic_created``
(its id becomes the topic's ``message_thread_id``), ``forum_topic_edited``,
``forum_topic_closed`` and ``forum_topic_reopened``. Deleting a topic posts
nothing; the topic and every message in it simply disappear.

Telegram lets bots give a topic only an icon of its default topic icon set; the sandbox
has a fixed set of its own with stable ids (:data:`TOPIC_ICONS`), so topic creation and
edits refuse any other id as Telegram does.
"""

from __future__ import annotations

from typing import Any

from . import errors as E
from .errors import bad_request
from .models import TOPIC_COLORS, Chat, Topic, User
from .world import World

# -- icons: the custom emoji a topic may carry (getForumTopicIconStickers) --------------

ICON_SET_NAME = "Topics"
#: custom_emoji_id -> the emoji it shows
TOPIC_ICONS = {
    "5312536423851630001": "💡",
    "5312016608254762256": "⚡️",
    "5377544228505134960": "✅",
    "5379748062124056162": "❗️",
    "5377498341074542641": "❓",
    "5312241539987020022": "🔥",
    "5350305691942788490": "📈",
    "5309965701241379366": "🔍",
}


def sticker_json(custom_emoji_id: str) -> dict[str, Any]:
    """The ``Sticker`` of one topic icon."""
    return {
        "file_id": f"CAACAgIAAxUAAWbsandbox{custom_emoji_id}",
        "file_unique_id": f"AgAD{custom_emoji_id[-8:]}",
        "type": "custom_emoji",
        "width": 100,
        "height": 100,
        "is_animated": True,
        "is_video": False,
        "emoji": TOPIC_ICONS[custom_emoji_id],
        "set_name": ICON_SET_NAME,
        "custom_emoji_id": custom_emoji_id,
    }


def check_icon(custom_emoji_id: str | None) -> None:
    """Refuse an icon that is not one of :data:`TOPIC_ICONS` (``""`` removes an icon)."""
    if custom_emoji_id and custom_emoji_id not in TOPIC_ICONS:
        raise bad_request("DOCUMENT_INVALID")


def _forum(chat: Chat) -> None:
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")


def get_topic(chat: Chat, thread_id: int) -> Topic:
    """The live topic ``thread_id`` or "message thread not found"."""
    _forum(chat)
    topic = chat.topics.get(thread_id)
    if topic is None:
        raise bad_request(E.THREAD_NOT_FOUND)
    return topic


def create_topic(
    world: World,
    chat: Chat,
    actor: User,
    name: str,
    icon_color: int | None = None,
    icon_custom_emoji_id: str | None = None,
) -> Topic:
    """Open a new topic and post its ``forum_topic_created`` message."""
    _forum(chat)
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    color = icon_color if icon_color is not None else TOPIC_COLORS[0]
    if color not in TOPIC_COLORS:
        raise bad_request("ICON_COLOR_INVALID")
    check_icon(icon_custom_emoji_id)
    thread_id = chat.next_message_id
    topic = Topic(thread_id, name, color, actor.id, icon_custom_emoji_id)
    chat.topics[thread_id] = topic
    created: dict[str, Any] = {"name": name, "icon_color": color}
    if icon_custom_emoji_id:
        created["icon_custom_emoji_id"] = icon_custom_emoji_id
    world.post(
        chat,
        actor,
        "forum_topic_created",
        {"forum_topic_created": created},
        thread_id=thread_id,
        is_service=True,
    )
    return topic


def edit_topic(
    world: World,
    chat: Chat,
    actor: User,
    thread_id: int,
    name: str | None,
    icon_custom_emoji_id: str | None,
) -> None:
    """Rename a topic or change its icon; posts ``forum_topic_edited``."""
    topic = get_topic(chat, thread_id)
    edited: dict[str, Any] = {}
    if name is not None and name != topic.name:
        if len(name) > 128:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        topic.name = edited["name"] = name
    if icon_custom_emoji_id is not None and icon_custom_emoji_id != (
        topic.icon_custom_emoji_id or ""
    ):
        # "" removes the icon; forum_topic_edited then says "" as the Bot API describes
        check_icon(icon_custom_emoji_id)
        topic.icon_custom_emoji_id = icon_custom_emoji_id or None
        edited["icon_custom_emoji_id"] = icon_custom_emoji_id
    if not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")
    world.post(
        chat,
        actor,
        "forum_topic_edited",
        {"forum_topic_edited": edited},
        thread_id=thread_id,
        is_service=True,
    )


def set_closed(world: World, chat: Chat, actor: User, thread_id: int, closed: bool) -> None:
    """Close or reopen a topic; posts ``forum_topic_closed`` / ``forum_topic_reopened``."""
    topic = get_topic(chat, thread_id)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    kind = "forum_topic_closed" if closed else "forum_topic_reopened"
    world.post(chat, actor, kind, {kind: {}}, thread_id=thread_id, is_service=True)


def delete_topic(world: World, chat: Chat, thread_id: int) -> None:
    """Remove a topic with all its messages (no service message, no update)."""
    get_topic(chat, thread_id)
    del chat.topics[thread_id]
    for message_id in [m.message_id for m in chat.messages.values() if m.thread_id == thread_id]:
        del chat.messages[message_id]
    world.touch()
