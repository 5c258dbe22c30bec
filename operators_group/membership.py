"""Only members of the operator group may press its buttons.

The operator registry fills itself from who acts in the group, so a button press is
normally proof enough of membership. It is not when the group is public (anyone can
open it and tap a card) or when someone left or was removed: such a press is refused
with a short alert and logged, and no handler sees it. Membership is asked of Telegram
(``getChatMember``) and remembered for a minute, so a burst of taps costs one call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, TelegramObject

from core.i18n import Translator, _

log = logging.getLogger(__name__)

NOT_A_MEMBER = _("⛔ Only members of the operator group can do that.")
_OUTSIDE = {ChatMemberStatus.LEFT, ChatMemberStatus.KICKED}
REMEMBER_SECONDS = 60.0

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class MembersOnly(BaseMiddleware):
    """An outer callback-query middleware for the operator group ``group_chat_id``."""

    def __init__(self, bot: Bot, group_chat_id: int, *, locale: str) -> None:
        self.bot, self.group_chat_id = bot, group_chat_id
        self.t = Translator(locale)
        self._known: dict[int, tuple[bool, float]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery) or event.message is None:
            return await handler(event, data)
        if event.message.chat.id != self.group_chat_id:
            return await handler(event, data)
        if await self.is_member(event.from_user.id):
            return await handler(event, data)
        log.warning("button press by non-member %s refused: %s", event.from_user.id, event.data)
        await event.answer(self.t(NOT_A_MEMBER), show_alert=True)
        return None

    async def is_member(self, user_id: int) -> bool:
        """Whether ``user_id`` belongs to the operator group (asked at most once a minute)."""
        now = time.monotonic()
        known = self._known.get(user_id)
        if known is not None and now - known[1] < REMEMBER_SECONDS:
            return known[0]
        try:
            member = await self.bot.get_chat_member(self.group_chat_id, user_id)
        except TelegramAPIError as exc:  # e.g. "user not found": not one of us
            log.info("membership of %s unknown: %s", user_id, exc)
            member_ok = False
        else:
            # A restricted user may have left the group: only that kind says is_member.
            member_ok = member.status not in _OUTSIDE and getattr(member, "is_member", True)
        self._known[user_id] = (member_ok, now)
        return member_ok
