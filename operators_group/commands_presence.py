"""Presence and workload commands in the operator group.

* ``/online``, ``/away``, ``/offline`` set the sender's presence; the answer says the new
  state and how many tickets came from the queue or were handed back. ``/shift on`` and
  ``/shift off`` mean ``/online`` and ``/offline``; ``/shift`` alone lists who is online.
* ``/capacity @user 5`` (admins) sets how many active tickets auto-assignment gives
  someone (``default`` resets it); ``/capacity`` alone lists the team with presence,
  load/capacity and languages.
* ``/languages ru en`` sets the sender's languages; ``/languages @user ru en`` (admins)
  someone else's; ``-`` clears them.

The rules live in :mod:`core.tickets.hand_back` and :mod:`core.staff.capacity`; these
handlers parse, call and render.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from core.context import DeskContext
from core.enums import OperatorPresence
from core.i18n import Translator, _
from core.staff.capacity import Load, parse_capacity, parse_languages, roster, set_languages
from core.staff.operators import TeamResult, team, whoami
from core.tickets.hand_back import PresenceChange, change_capacity, change_presence
from operators_group.commands_team import describe, profile_of, render_refusal

log = logging.getLogger(__name__)

STATES = {
    OperatorPresence.ONLINE: _("🟢 You are online."),
    OperatorPresence.AWAY: _("🟡 You are away: no new tickets come to you."),
    OperatorPresence.OFFLINE: _("⚪ You are offline."),
}
ASSIGNED = _("Tickets from the queue given to you: {count}.")
HANDED_BACK = _("Tickets handed back: {count}.")
SHIFT_USAGE = _("Usage: /shift on, /shift off, or /shift to see who is online.")
CAPACITY_USAGE = _(
    "Usage: /capacity @username 5 — how many active tickets auto-assignment gives them "
    "(0 to 1000, or default); /capacity alone lists the team."
)
LANGUAGES_USAGE = _(
    "Usage: /languages ru en — the languages you answer in; /languages @username ru en "
    "for someone else (admins); /languages - clears the list."
)
_SHIFT_WORDS = {"on": OperatorPresence.ONLINE, "off": OperatorPresence.OFFLINE}


def render_change(change: PresenceChange, presence: OperatorPresence, t: Translator) -> str:
    """The answer to a presence command: the new state and the tickets that moved."""
    lines = [t(STATES[presence])]
    if change.assigned:
        lines.append(t(ASSIGNED, count=change.assigned))
    if change.handed_back:
        lines.append(t(HANDED_BACK, count=change.handed_back))
    return "\n".join(lines)


def render_load(load: Load, t: Translator) -> str:
    """One line of ``/capacity``: the operator, their load/capacity and languages."""
    marks = {OperatorPresence.ONLINE: "🟢", OperatorPresence.AWAY: "🟡"}
    mark = marks.get(load.operator.presence, "⚪")
    default = "" if load.own_capacity else t(" (default)")
    languages = " · " + ", ".join(load.languages) if load.languages else ""
    name = escape(load.operator.name)
    return f"{mark} {name} — {load.active}/{load.capacity}{default}{escape(languages)}"


def build_presence_router(ctx: DeskContext, *, admin_ids: Iterable[int] = ()) -> Router:
    """Router of the presence and workload commands for the group ``ctx.group_chat_id``."""
    router = Router(name="presence")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    admins = frozenset(admin_ids)
    t = Translator(ctx.locale)

    async def go(message: Message, presence: OperatorPresence) -> None:
        assert message.from_user is not None
        change = await change_presence(profile_of(message.from_user), presence, ctx, admins=admins)
        if not change.result.ok:
            await message.answer(render_refusal_of(change, t))
            return
        await message.answer(render_change(change, presence, t))

    @router.message(Command("online"))
    async def on_online(message: Message) -> None:
        await go(message, OperatorPresence.ONLINE)

    @router.message(Command("away"))
    async def on_away(message: Message) -> None:
        await go(message, OperatorPresence.AWAY)

    @router.message(Command("offline"))
    async def on_offline(message: Message) -> None:
        await go(message, OperatorPresence.OFFLINE)

    @router.message(Command("shift"))
    async def on_shift(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        word = (command.args or "").strip().lower()
        if word in _SHIFT_WORDS:
            await go(message, _SHIFT_WORDS[word])
            return
        if word:
            await message.answer(t(SHIFT_USAGE))
            return
        await whoami(profile_of(message.from_user), ctx, admins=admins)
        lines = [describe(info, t) for info in await team(on_shift_only=True)]
        if not lines:
            await message.answer(t("Nobody is on shift."))
        else:
            await message.answer("\n".join([t("<b>On shift</b>"), *lines]))

    @router.message(Command("capacity"))
    async def on_capacity(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        args = (command.args or "").split()
        if not args:
            await whoami(profile_of(message.from_user), ctx, admins=admins)
            loads = await roster(ctx.workload.default_capacity)
            title = t("<b>Team load</b> (active/capacity)")
            await message.answer("\n".join([title, *(render_load(x, t) for x in loads)]))
            return
        capacity = parse_capacity(args[1]) if len(args) == 2 else None
        if capacity is None:
            await message.answer(t(CAPACITY_USAGE))
            return
        actor, target = profile_of(message.from_user), args[0]
        result = await change_capacity(actor, target, capacity, ctx, admins=admins)
        if not result.ok:
            await message.answer(render_refusal(result, t, target=target, role=""))
            return
        assert result.operator is not None
        await message.answer(t("✅ {operator}", operator=describe(result.operator, t)))

    @router.message(Command("languages"))
    async def on_languages(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        args = (command.args or "").split()
        target = args[0] if args and _names_someone(args[0]) else None
        codes = parse_languages(args[1:] if target else args)
        if codes is None:
            await message.answer(t(LANGUAGES_USAGE))
            return
        actor = profile_of(message.from_user)
        result = await set_languages(actor, target, codes, ctx, admins=admins)
        if not result.ok:
            await message.answer(render_refusal(result, t, target=target or "", role=""))
            return
        assert result.operator is not None
        shown = ", ".join(codes) if codes else t("any")
        who = escape(result.operator.name)
        await message.answer(
            t("✅ {operator} answers in: {languages}", operator=who, languages=shown)
        )

    return router


def _names_someone(word: str) -> bool:
    """Is ``word`` an operator (``@username`` or a Telegram id) rather than a language?"""
    return word.startswith("@") or word.lstrip("-").isdigit()


def render_refusal_of(change: PresenceChange, t: Translator) -> str:
    """The answer to a refused presence command."""
    result = TeamResult(refused=change.result.refused, operator=change.result.operator)
    return render_refusal(result, t, target="", role="")
