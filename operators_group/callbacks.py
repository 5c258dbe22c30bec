"""The ticket card's buttons: typed callbacks in, one core use case each, an answer out.

Every press is checked by :mod:`core.tickets.workflow`: the presser is an operator with the
right role, the ticket exists and the press comes from that ticket's card in its own
topic. A refused press changes nothing and is answered with a short alert (the refusal
is recorded and logged in core). Menus (Assign…, Status, Priority, Tags) replace the
card's buttons in place and have a Back button; a change redraws the whole card through
the outbox, which also closes the menu.

A refusal names the role the press needs, and a menu offers only what the presser may
do. Data that is no card button at all (stale, damaged, forged) is answered by
:func:`build_unknown_press_router`, which the desk includes after every other router.

``/tag add <name>`` (admins) adds a tag to the list the Tags menu offers; ``/tag``
alone shows the list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import TicketPriority, TicketStatus
from core.i18n import Translator, _
from core.limits import operator_profile
from core.staff.operators import team
from core.staff.permissions import Action, status_action
from core.tickets.tags import TagOutcome, add_tag, tag_names
from core.tickets.workflow import (
    Origin,
    Problem,
    WorkflowResult,
    assign,
    check,
    set_priority,
    set_status,
    take,
    toggle_tag,
    unassign,
)
from operators_group.cards import (
    SETTABLE_STATUSES,
    CardAct,
    CardCallback,
    assign_keyboard,
    card_keyboard,
    priority_keyboard,
    status_keyboard,
    tags_keyboard,
)
from operators_group.commands_team import ROLE_NAMES

log = logging.getLogger(__name__)

PROBLEMS: dict[Problem, str] = {
    Problem.NOT_ALLOWED: _("⛔ You may not do that."),
    Problem.NO_TICKET: _("⛔ There is no ticket #{number}."),
    Problem.WRONG_CARD: _("⛔ This button does not belong to this ticket's card."),
    Problem.CLOSED: _("Ticket #{number} is closed."),
    Problem.TAKEN: _("Ticket #{number} is already taken by {name}."),
    Problem.UNKNOWN_OPERATOR: _("That operator is unknown."),
    Problem.UNKNOWN_TAG: _("There is no such tag."),
}

TAG_OUTCOMES: dict[TagOutcome, str] = {
    TagOutcome.ADDED: _("🏷 Tag #{tag} added."),
    TagOutcome.EXISTS: _("Tag #{tag} already exists."),
    TagOutcome.INVALID: _("A tag is one word: letters, digits, _ or -, at most 32 characters."),
    TagOutcome.NOT_ALLOWED: _("⛔ Only an admin may do that."),
}

#: The permission each menu needs before it opens.
MENU_ACTIONS: dict[CardAct, Action] = {
    CardAct.ASSIGN_MENU: Action.ASSIGN,
    CardAct.STATUS_MENU: Action.SET_WAITING,
    CardAct.PRIORITY_MENU: Action.SET_PRIORITY,
    CardAct.TAGS_MENU: Action.TAG,
    CardAct.BACK: Action.TAKE,
}
NEEDS_ROLE = _("⛔ This needs the {role} role.")
#: The answer to a press no handler knows (stale, damaged or forged data).
NOT_VALID = _("This button is no longer valid.")
SHOWN_DATA = 80  # characters of an unknown press's data worth a log line


def answer_text(result: WorkflowResult, t: Translator) -> str:
    """The short answer to a press: what went wrong, or what is true now."""
    if result.problem is Problem.NOT_ALLOWED and result.needed is not None:
        return t(NEEDS_ROLE, role=t(ROLE_NAMES[result.needed]))
    if result.problem is not None:
        return t(PROBLEMS[result.problem], number=result.number, name=result.assignee or "—")
    if not result.changed:
        return t("Nothing to change.")
    return t("✅ Done.")


def actor_of(user: User) -> OperatorProfile:
    """The presser as an operator, cut to what the operator row holds."""
    return operator_profile(user.id, user.full_name, user.username)


def build_card_router(ctx: DeskContext, *, admin_ids: Iterable[int] = ()) -> Router:
    """Router of the ticket cards' buttons in the operator group ``ctx.group_chat_id``."""
    router = Router(name="card-buttons")
    router.callback_query.filter(F.message.chat.id == ctx.group_chat_id)
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    admins = frozenset(admin_ids)
    t = Translator(ctx.locale)

    async def menu(act: CardAct, result: WorkflowResult) -> InlineKeyboardMarkup | None:
        """The menu ``act`` opens, offering only what the presser may do."""
        card, locale = result.card, ctx.locale
        assert card is not None
        if act is CardAct.STATUS_MENU:
            now = TicketStatus(card.status)
            may = result.may
            settable = [s for s in SETTABLE_STATUSES if status_action(now, TicketStatus(s)) in may]
            return status_keyboard(card, settable, locale=locale)
        if act is CardAct.PRIORITY_MENU:
            return priority_keyboard(card, locale=locale)
        if act is CardAct.TAGS_MENU:
            return tags_keyboard(card, await tag_names(), locale=locale)
        if act is CardAct.ASSIGN_MENU:
            people = [(o.telegram_id, o.name) for o in await team(on_shift_only=True)]
            return assign_keyboard(card, people, locale=locale)
        return card_keyboard(card, locale=locale)

    async def act_on(data: CardCallback, actor: OperatorProfile, origin: Origin) -> WorkflowResult:
        # The data was validated when it was unpacked: each value has its act's shape.
        number, value = data.ticket, data.value
        if data.act is CardAct.TAKE:
            return await take(number, actor, ctx, origin=origin, admins=admins)
        if data.act is CardAct.UNASSIGN:
            return await unassign(number, actor, ctx, origin=origin, admins=admins)
        if data.act is CardAct.ASSIGN:
            target = data.operator
            return await assign(number, actor, target, ctx, origin=origin, admins=admins)
        if data.act is CardAct.STATUS:
            status = TicketStatus(value)
            return await set_status(number, actor, status, ctx, origin=origin, admins=admins)
        if data.act is CardAct.PRIORITY:
            level = TicketPriority(value)
            return await set_priority(number, actor, level, ctx, origin=origin, admins=admins)
        return await toggle_tag(number, actor, value, ctx, origin=origin, admins=admins)

    @router.callback_query(CardCallback.filter())
    async def on_press(query: CallbackQuery, callback_data: CardCallback) -> None:
        shown, user = query.message, query.from_user
        actor = actor_of(user)
        if not isinstance(shown, Message):  # too old to be edited: not a live card
            await query.answer(t(PROBLEMS[Problem.WRONG_CARD]), show_alert=True)
            return
        thread_id = shown.message_thread_id if shown.is_topic_message else None
        origin = Origin(thread_id=thread_id, message_id=shown.message_id)
        action = MENU_ACTIONS.get(callback_data.act)
        if action is not None:
            result = await check(
                callback_data.ticket, actor, action, ctx, origin=origin, admins=admins
            )
            if not result.ok or result.card is None:
                await query.answer(answer_text(result, t), show_alert=True)
                return
            markup = await menu(callback_data.act, result)
            await query.answer()
            try:
                await shown.edit_reply_markup(reply_markup=markup)
            except TelegramBadRequest as exc:  # e.g. the menu is already shown
                log.debug("card menu of #%s not redrawn: %s", callback_data.ticket, exc)
            return
        done = await act_on(callback_data, actor, origin)
        log.info("card #%s: %s by %s → %s", done.number, callback_data.act, user.id, done)
        await query.answer(answer_text(done, t), show_alert=not done.ok)

    @router.message(Command("tag"))
    async def on_tag(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        user = message.from_user
        words = (command.args or "").split()
        if not words:
            names = await tag_names()
            listing = " ".join(f"#{escape(name)}" for name in names)
            await message.reply(t("Tags: {tags}", tags=listing) if names else t("No tags yet."))
        elif len(words) == 2 and words[0].lower() == "add":
            actor = actor_of(user)
            outcome = await add_tag(actor, words[1], ctx, admins=admins)
            name = words[1].removeprefix("#").lower()
            await message.reply(t(TAG_OUTCOMES[outcome], tag=escape(name)))
        else:
            await message.reply(t("Usage: /tag add NAME, or /tag to see the tags."))

    return router


def build_unknown_press_router(ctx: DeskContext) -> Router:
    """The last router: answers any press in the group that no handler took.

    Stale buttons, damaged or forged data: without an answer the presser's spinner
    hangs, so each gets a short alert in the operators' language and an INFO line.
    """
    router = Router(name="unknown-presses")
    t = Translator(ctx.locale)

    @router.callback_query()
    async def on_unknown(query: CallbackQuery) -> None:
        data = (query.data or "")[:SHOWN_DATA]
        log.info("unknown button press by %s answered: %r", query.from_user.id, data)
        await query.answer(t(NOT_VALID), show_alert=True)

    return router
