"""Team commands in the operator group: ``/role`` and ``/whoami``.

* ``/role @user senior`` (or ``/role <user id> <role>``) changes a role — admins only;
  ``/role`` alone lists the operators and their roles.
* ``/shift`` and presence (``/online`` …) live in :mod:`operators_group.commands_presence`.
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
from core.enums import OperatorPresence, OperatorRole
from core.i18n import Translator, _
from core.staff.operators import (
    OperatorInfo,
    Refusal,
    TeamResult,
    set_role,
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

#: How a listing marks who is online (🟢) or away (🟡); offline has no mark.
PRESENCE_MARKS = {OperatorPresence.ONLINE: " 🟢", OperatorPresence.AWAY: " 🟡"}


def profile_of(user: User) -> OperatorProfile:
    """The operator profile of a Telegram user."""
    return OperatorProfile(telegram_id=user.id, name=user.full_name, username=user.username)


def describe(info: OperatorInfo, t: Translator) -> str:
    """One operator as a line of HTML: name, @username, role and presence mark."""
    handle = f" @{escape(info.username)}" if info.username else ""
    shift = PRESENCE_MARKS.get(info.presence, "")
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
