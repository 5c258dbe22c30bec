"""Service messages in the operator group that the desk's own actions create.

Telegram posts a service message for what the bot itself does in the group (a topic
created, renamed, closed or reopened, a message pinned) and hands each one back to the
bot as an update. None of them is anyone's words: they are never relayed, stored or
answered. The one operators would notice is "… pinned a message" under every ticket
card, so the desk deletes its own pin notices; when Telegram refuses (rights taken away),
the notice simply stays.

The handlers sit on the relay router ahead of its catch-all and take only the bot's own
service messages: those of people (an operator closing a topic) stay for the relay's
handlers, which remember closed topics and relay nothing of them.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Message

log = logging.getLogger(__name__)

#: the fields that make a message a service message (topic life, pins, members, titles)
SERVICE_FIELDS = (
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "pinned_message",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
)


def is_service(message: Message) -> bool:
    """Whether ``message`` is a service message rather than something someone wrote."""
    return any(getattr(message, name, None) for name in SERVICE_FIELDS)


async def own_service(message: Message, bot: Bot) -> bool:
    """A service message that the bot's own action created."""
    return message.from_user is not None and message.from_user.id == bot.id and is_service(message)


async def remove_pin_notice(bot: Bot, message: Message) -> bool:
    """Delete the bot's own "pinned a message" notice; False if Telegram refused."""
    try:
        await bot.delete_message(chat_id=message.chat.id, message_id=message.message_id)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        # Most likely no "Delete messages" right: the notice is clutter, not a fault.
        log.debug("pin notice %s stays: %s", message.message_id, exc.message)
        return False
    return True


def add_service_handlers(router: Router) -> None:
    """Register the handlers of the bot's own service messages on ``router``.

    Call it before the router's catch-all: a router tries its handlers in the order
    they were registered.
    """

    @router.message(own_service, F.pinned_message)
    async def on_own_pin(message: Message, bot: Bot) -> None:
        await remove_pin_notice(bot, message)

    @router.message(own_service)
    async def on_own_other(message: Message) -> None:
        # Taken here so that no later handler mistakes it for an operator's message.
        log.debug("own service message %s ignored", message.message_id)
