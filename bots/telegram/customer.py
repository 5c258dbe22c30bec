"""Customer side of the Telegram bot: private chats with customers.

The router only accepts private chats (the filter sits on the router, so no handler
below can fire in the operator group by mistake). Handlers are thin: they map the
update to a core entity and call one use case; core decides what happens.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bots.telegram.choices import ChoiceCallback
from bots.telegram.content import inbound_edit_of, inbound_of, profile_of
from core.config import Settings
from core.context import DeskContext
from core.entities import ChoicePress
from core.i18n import _, gettext, normalize_locale
from core.relay.greetings import greeting, help_text
from core.relay.ingest import ingest, ingest_batch, ingest_edit
from core.relay.replies import set_customer_reachable
from core.tickets.csat import handle_choice

log = logging.getLogger(__name__)

NOT_VALID = _("This button is no longer valid.")


def build_customer_router(settings: Settings, ctx: DeskContext) -> Router:
    """Router for customers' private chats with the bot."""
    router = Router(name="customer")
    private = F.chat.type == ChatType.PRIVATE
    router.message.filter(private)
    router.edited_message.filter(private)
    router.my_chat_member.filter(private)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
        # /start alone opens no ticket: spam bots must not flood the group with topics.
        user = message.from_user
        await message.answer(
            greeting(
                ctx.customer_language(user.language_code if user else None),
                first_name=user.first_name if user else None,
                company=settings.company_name,
            )
        )

    @router.message(Command("help"))
    async def on_help(message: Message) -> None:
        user = message.from_user
        await message.answer(
            help_text(
                ctx.customer_language(user.language_code if user else None),
                company=settings.company_name,
            )
        )

    @router.message(F.from_user)
    async def on_message(message: Message) -> None:
        outcome = await ingest(inbound_of(message), ctx)
        log.debug("customer message %s: %s", message.message_id, outcome)

    @router.edited_message(F.from_user)
    async def on_edit(message: Message) -> None:
        outcome = await ingest_edit(inbound_edit_of(message), ctx)
        log.debug("customer edit %s: %s", message.message_id, outcome)

    @router.callback_query(ChoiceCallback.filter())
    async def on_choice(query: CallbackQuery, callback_data: ChoiceCallback) -> None:
        # A rating star or Skip under a desk message: core checks it is this customer's.
        shown = query.message
        press = ChoicePress(
            profile=profile_of(query.from_user),
            chat_id=shown.chat.id if shown else query.from_user.id,
            message_id=shown.message_id if shown else 0,
            data=callback_data.choice.data,
        )
        answer = await handle_choice(press, ctx)
        await query.answer(answer or None)
        if isinstance(shown, Message):
            try:  # one answer per question: the buttons go once pressed
                await shown.edit_reply_markup(reply_markup=None)
            except TelegramAPIError as exc:
                log.debug("choice buttons not removed: %s", exc)

    @router.my_chat_member()
    async def on_block_change(update: ChatMemberUpdated) -> None:
        status = update.new_chat_member.status
        reachable = status not in (ChatMemberStatus.KICKED, ChatMemberStatus.LEFT)
        await set_customer_reachable(profile_of(update.from_user), reachable, ctx)

    # Last: stale, damaged or forged data still gets an answer, or the spinner hangs.
    @router.callback_query()
    async def on_unknown_press(query: CallbackQuery) -> None:
        language = normalize_locale(query.from_user.language_code)
        log.info(
            "unknown button press by %s answered: %r", query.from_user.id, (query.data or "")[:80]
        )
        await query.answer(gettext(NOT_VALID, language), show_alert=True)

    return router


class CustomerMessages:
    """Plain customer messages of one ``getUpdates`` batch, stored in one transaction.

    Accepts exactly the updates that :func:`build_customer_router` would hand to
    ``ingest`` one by one (a person's message in a private chat that is not a command),
    so both paths store the same thing; anything else goes through the dispatcher.
    """

    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    def accepts(self, update: Update) -> bool:
        """A person's non-command message in a private chat."""
        message = update.message
        return (
            message is not None
            and message.chat.type == ChatType.PRIVATE
            and message.from_user is not None
            and not message.from_user.is_bot
            and not (message.text or "").startswith("/")
        )

    async def handle(self, updates: Sequence[Update]) -> None:
        """Store them all, in order, in one transaction."""
        inbounds = [inbound_of(update.message) for update in updates if update.message]
        outcomes = await ingest_batch(inbounds, self.ctx)
        log.debug("stored %s customer messages: %s", len(outcomes), outcomes)
