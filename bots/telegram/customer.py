"""Customer side of the Telegram bot: private chats with customers.

The router only accepts private chats (the filter sits on the router, so no handler
below can fire in the operator group by mistake). Handlers are thin: they pick the
customer's language and render text that core produces.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from core.config import Settings
from core.greetings import greeting, help_text


def build_customer_router(settings: Settings) -> Router:
    """Router for customers' private chats with the bot."""
    router = Router(name="customer")
    router.message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
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

    return router
