"""Bot API method handlers, registered by name in :data:`.base.METHODS`."""

from . import bot, chats, edit, forum, media_send, messages, relay
from .base import METHODS, Call, find

__all__ = [
    "METHODS",
    "Call",
    "bot",
    "chats",
    "edit",
    "find",
    "forum",
    "media_send",
    "messages",
    "relay",
]
