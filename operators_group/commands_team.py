"""Team commands in the operator group: ``/role``, ``/shift`` and ``/whoami``.

* ``/role @user senior`` (or ``/role <user id> <role>``) changes a role — admins only;
  ``/role`` alone lists the operators and their roles.
* ``/shift on`` / ``/shift off`` puts the sender on or off shift; ``/shift`` alone says
  who is on shift.
* ``/whoami`` shows how the desk knows the sender.

The router accepts only the operator group (filter on the router); replies go to the
topic (or General) where the command was written. The rules live in
:mod:`core.staff.operators`; these handlers map, call and render.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, User

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import OperatorRole
from core.i18n import Translator, _
from core.staff.operators import (
    OperatorInfo,
    Refusal,
    TeamResult,
    set_role,
    set_shift,
    team,
    whoami,
)

log = logging.getLogger(__name__)

ROLE_NAMES: dict[OperatorRole, str] = {
    OperatorRole.AGENT: _("agent"),
    OperatorRole.SENIOR: _("senior"),
    OperatorRole.MANAGER: _("manager"),
    OperatorRole.ADMIN: _("admin"),
}

REFUSALS: dict[Refusal, str] = {
    Refusal.NOT_ALLOWED: _("⛔ Only an admin may do that."),
    Refusal.UNKNOWN_USER: _(
        "I don't know {who} yet: an operator appears here once they write in the group."
    ),
    Refusal.UNKNOWN_ROLE: _("Unknown role {role}. Roles: {roles}."),
    Refusal.CONFIG_ADMIN: _("{who} is an admin from the configuration (ADMIN_IDS)."),
}

_SHIFT_WORDS = {"on": True, "off": False}


def profile_of(user: User) -> OperatorProfile:
    """The operator profile of a Telegram user."""
    return OperatorProfile(telegram_id=user.id, name=user.full_name, username=user.username)


def describe(info: OperatorInfo, t: Translator) -> str:
    """One operator as a line of HTML: name, @username, role and shift mark."""
    handle = f" @{escape(info.username)}" if info.username else ""
    shift = " 🟢" if info.on_shift else ""
    return f"{escape(info.name)}{handle} — {t(ROLE_NAMES[info.role])}{shift}"


def render_refusal(result: TeamResult, t: Translator, *, target: str, role: str) -> str:
    """The short reply for a refused team command."""
    assert result.refused is not None
    who = escape(result.operator.name if result.operator else target)
    roles = ", ".join(str(r) for r in OperatorRole)
    return t(REFUSALS[result.refused], who=who, role=escape(role), roles=roles)


def build_team_router(ctx: DeskContext, *, admin_ids: Iterable[int] = ()) -> Router:
    """Router of the team commands for the operator group ``ctx.group_chat_id``."""
    router = Router(name="team")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    admins = frozenset(admin_ids)
    t = Translator(ctx.locale)

    @router.message(Command("role"))
    async def on_role(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        args = (command.args or "").split()
        if not args:
            await whoami(profile_of(message.from_user), ctx, admins=admins)
            lines = [describe(info, t) for info in await team()]
            await message.answer("\n".join([t("<b>Operators</b>"), *lines]))
            return
        if len(args) != 2:
            await message.answer(t("Usage: /role @username role (or /role user_id role)."))
            return
        target, role = args
        result = await set_role(profile_of(message.from_user), target, role, ctx, admins=admins)
        if not result.ok:
            await message.answer(render_refusal(result, t, target=target, role=role))
            return
        assert result.operator is not None
        await message.answer(t("✅ {operator}", operator=describe(result.operator, t)))

    @router.message(Command("shift"))
    async def on_shift(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        word = (command.args or "").strip().lower()
        if not word:
            await whoami(profile_of(message.from_user), ctx, admins=admins)
            lines = [describe(info, t) for info in await team(on_shift_only=True)]
            if not lines:
                await message.answer(t("Nobody is on shift."))
            else:
                await message.answer("\n".join([t("<b>On shift</b>"), *lines]))
            return
        if word not in _SHIFT_WORDS:
            await message.answer(t("Usage: /shift on, /shift off, or /shift to see who is on."))
            return
        on = _SHIFT_WORDS[word]
        result = await set_shift(profile_of(message.from_user), on, ctx, admins=admins)
        if not result.ok:
            await message.answer(render_refusal(result, t, target="", role=""))
        elif on:
            await message.answer(t("🟢 You are on shift."))
        else:
            await message.answer(t("⚪ You are off shift."))

    @router.message(Command("whoami"))
    async def on_whoami(message: Message) -> None:
        assert message.from_user is not None
        info = await whoami(profile_of(message.from_user), ctx, admins=admins)
        shift = t("on shift") if info.on_shift else t("off shift")
        await message.answer(
            t(
                "You are {operator} (id {id}), {shift}.",
                operator=describe(info, t),
                id=info.telegram_id,
                shift=shift,
            )
        )

    return router
