"""Operator side: what operators write in conversation topics goes to core.

The router accepts only the operator group (filter on the router). Messages in the
General topic, from bots, service messages and commands other than ``/note`` are not
relayed; core decides whether a message is a reply or a note, and whether its topic
belongs to a conversation at all.

The mapping from aiogram objects to core entities is injected (the composition root
passes the Telegram adapter's), so this package depends on core only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import F, Router
from aiogram.types import Message

from core.context import DeskContext
from core.entities import OperatorEdit, OperatorMessage
from core.replies import handle_operator_edit, handle_operator_message, note_text

log = logging.getLogger(__name__)

# Service messages (topic created, pinned, members joined …) are never relayed.
_SERVICE_FIELDS = (
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "pinned_message",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
)


def is_relayable(message: Message) -> bool:
    """A person's message inside a topic that is not a service message or a command."""
    if message.from_user is None or message.from_user.is_bot:
        return False
    if not message.is_topic_message or message.message_thread_id is None:
        return False  # the General topic
    if any(getattr(message, name, None) for name in _SERVICE_FIELDS):
        return False
    text = message.text or ""
    # Commands are for the desk, not the customer; /note is the one command that is text.
    return not text.startswith("/") or note_text(text) is not None


def build_operator_router(
    ctx: DeskContext,
    *,
    to_message: Callable[[Message], OperatorMessage],
    to_edit: Callable[[Message], OperatorEdit],
) -> Router:
    """Router for the operator group: replies, notes and edits in topics."""
    router = Router(name="operators")
    in_group = F.chat.id == ctx.group_chat_id
    router.message.filter(in_group)
    router.edited_message.filter(in_group)

    @router.message()
    async def on_message(message: Message) -> None:
        if not is_relayable(message):
            return
        outcome = await handle_operator_message(to_message(message), ctx)
        log.debug("operator message %s: %s", message.message_id, outcome)

    @router.edited_message()
    async def on_edit(message: Message) -> None:
        if not is_relayable(message):
            return
        outcome = await handle_operator_edit(to_edit(message), ctx)
        log.debug("operator edit %s: %s", message.message_id, outcome)

    return router
