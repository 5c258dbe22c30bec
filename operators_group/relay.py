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
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, ChatMemberUpdated, Message

from core.context import DeskContext
from core.entities import OperatorEdit, OperatorMessage
from core.messaging.topics import rights_lost, rights_restored, topic_closed
from core.relay.replies import handle_operator_edit, handle_operator_message, note_text
from operators_group.service import add_service_handlers, is_service

log = logging.getLogger(__name__)


def is_relayable(message: Message) -> bool:
    """A person's message inside a topic that is not a service message or a command."""
    if message.from_user is None or message.from_user.is_bot:
        return False
    if not message.is_topic_message or message.message_thread_id is None:
        return False  # the General topic
    if is_service(message):
        return False
    text = message.text or ""
    # Commands are for the desk, not the customer; /note is the one command that is text.
    return not text.startswith("/") or note_text(text) is not None


def has_desk_rights(update: ChatMemberUpdated) -> bool:
    """Whether the bot's new membership lets it run the desk (an admin who manages topics)."""
    member = update.new_chat_member
    if isinstance(member, ChatMemberOwner):
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)


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
    router.my_chat_member.filter(in_group)

    # First: the desk's own service messages (its pin notices go), never relayed.
    add_service_handlers(router)

    @router.message(F.forum_topic_closed | F.forum_topic_reopened)
    async def on_topic_closed(message: Message) -> None:
        if message.message_thread_id is not None:
            closed = message.forum_topic_closed is not None
            await topic_closed(message.message_thread_id, closed)

    @router.my_chat_member()
    async def on_rights_change(update: ChatMemberUpdated) -> None:
        # Held topic work resumes the moment the rights are back; losing them is said
        # once in the General topic (if the bot can still post there).
        if has_desk_rights(update):
            released = await rights_restored(ctx)
            log.info("desk rights restored; %s topic queues released", released)
        elif update.new_chat_member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
            await rights_lost(ctx)
        else:
            log.warning("the bot is no longer a member of the operator group")

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
