"""Bot API method handlers, registered by name in :data:`.base.METHODS`."""

from . import (
    bot,
    chats,
    edit,
    forum,
    general_topic,
    media_send,
    messages,
    moderation,
    polls,
    profile,
    relay,
)
from .base import METHODS, Call, find

__all__ = [
    "METHODS",
    "Call",
    "bot",
    "chats",
    "edit",
    "find",
    "forum",
    "general_topic",
    "media_send",
    "messages",
    "moderation",
    "polls",
    "profile",
    "relay",
]
