"""[Send anyway] [Discard] under a reply held because the ticket is someone else's.

The prompt is posted by the outbox (``core.tickets.collisions.HoldPrompt``); a tap comes here,
core decides (only the writer, or a senior and above, may), and the prompt is rewritten
to say what happened so the topic keeps a record. A refused tap changes nothing and is
answered with an alert; core records and logs it.
"""

from __future__ import annotations

import logging
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message

from core.context import DeskContext
from core.entities import OperatorProfile
from core.i18n import Translator, _
from core.tickets.collisions import Decision, decide_held
from operators_group.desk import DESK_CHOICE_PREFIX

log = logging.getLogger(__name__)

ANSWERS: dict[Decision, str] = {
    Decision.SENT: _("📤 Sent."),
    Decision.DISCARDED: _("🗑 Discarded."),
    Decision.ALREADY: _("This was decided already."),
    Decision.REFUSED: _("⛔ Only the writer or a senior operator may decide on this reply."),
    Decision.UNKNOWN: _("⛔ This button is not active any more."),
}
#: What the prompt says afterwards (HTML; the name is escaped).
OUTCOMES: dict[Decision, str] = {
    Decision.SENT: _("📤 Sent anyway by {name}."),
    Decision.DISCARDED: _("🗑 Discarded by {name}; the customer got nothing."),
}


def build_held_router(ctx: DeskContext) -> Router:
    """Router of the hold prompts' buttons in the operator group ``ctx.group_chat_id``."""
    router = Router(name="held-replies")
    router.callback_query.filter(
        F.message.chat.id == ctx.group_chat_id, F.data.startswith(DESK_CHOICE_PREFIX + "held-")
    )
    t = Translator(ctx.locale)

    @router.callback_query()
    async def on_decide(query: CallbackQuery) -> None:
        user = query.from_user
        actor = OperatorProfile(telegram_id=user.id, name=user.full_name, username=user.username)
        data = (query.data or "").removeprefix(DESK_CHOICE_PREFIX)
        decision = await decide_held(data, actor, ctx)
        log.info("held reply %s: %s by %s", data, decision, user.id)
        ok = decision in (Decision.SENT, Decision.DISCARDED)
        await query.answer(t(ANSWERS[decision]), show_alert=not ok)
        if ok and isinstance(query.message, Message):
            try:
                await query.message.edit_text(
                    t(OUTCOMES[decision], name=escape(user.full_name)), reply_markup=None
                )
            except TelegramAPIError as exc:  # e.g. the prompt is gone: the decision stands
                log.info("hold prompt not rewritten: %s", exc)

    return router
