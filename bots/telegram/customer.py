"""Customer side of the Telegram bot: private chats with customers.

The router only accepts private chats (the filter sits on the router, so no handler
below can fire in the operator group by mistake). Handlers are thin: they map the
update to a core entity and call one use case; core decides what happens.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.filters import Command, CommandStart
from aiogram.types import ChatMemberUpdated, Message

from bots.telegram.content import inbound_edit_of, inbound_of, profile_of
from core.config import Settings
from core.context import DeskContext
from core.greetings import greeting, help_text
from core.replies import set_customer_reachable
from core.tickets import ingest, ingest_edit

log = logging.getLogger(__name__)


def build_customer_router(settings: Settings, ctx: DeskContext) -> Router:
    """Router for customers' private chats with the bot."""
    router = Router(name="customer")
    private = F.chat.type == ChatType.PRIVATE
    router.message.filter(private)
    router.edited_message.filter(private)
    router.my_chat_member.filter(private)

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
        # /start alone opens no ticket: spam bots must not flood the group with topics.
        user = message.from_user
        await message.answer(
            greeting(
                user.language_code if user else None,
                first_name=user.first_name if user else None,
                company=settings.company_name,
            )
        )

    @router.message(Command("help"))
    async def on_help(message: Message) -> None:
        user = message.from_user
        await message.answer(
            help_text(user.language_code if user else None, company=settings.company_name)
        )

    @router.message(F.from_user)
    async def on_message(message: Message) -> None:
        outcome = await ingest(inbound_of(message), ctx)
        log.debug("customer message %s: %s", message.message_id, outcome)

    @router.edited_message(F.from_user)
    async def on_edit(message: Message) -> None:
        outcome = await ingest_edit(inbound_edit_of(message), ctx)
        log.debug("customer edit %s: %s", message.message_id, outcome)

    @router.my_chat_member()
    async def on_block_change(update: ChatMemberUpdated) -> None:
        status = update.new_chat_member.status
        reachable = status not in (ChatMemberStatus.KICKED, ChatMemberStatus.LEFT)
        await set_customer_reachable(profile_of(update.from_user), reachable, ctx)

    return router
