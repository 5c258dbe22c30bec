"""Work commands in the operator group: lists, search, history, the log and bans.

* ``/queue`` (unassigned open tickets), ``/mine``, ``/waiting``, ``/search <words|#n|@user>``
  list tickets, each linked to its topic and showing its SLA countdown; long lists page
  with Prev/Next buttons. Work lists come by due time, breached first.
* ``/overdue`` lists the tickets past an SLA due time or inside the warning before it;
  ``/stale 2h`` those whose customer has waited longer than that for an answer.
* ``/history`` and ``/log`` in a conversation's topic show the customer's earlier tickets
  and the current ticket's events; ``/ban`` and ``/unban`` there (senior and above)
  stop and restore showing the customer's messages.
* ``/help`` lists the commands, and so does any command nobody else knows.

This router comes last among the command routers (its catch-all answers unknown
commands) but before the relay. The queries live in :mod:`core.tickets.queries`, the ban rules
in :mod:`core.tickets.bans`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from core.context import DeskContext
from core.durations import parse_duration
from core.i18n import Translator, _
from core.limits import operator_profile
from core.relay.replies import note_text
from core.tickets import queries
from core.tickets.bans import BanOutcome, set_banned
from operators_group.listing import (
    PAGE_SIZE,
    ListKind,
    PageCallback,
    Renderer,
    Screen,
    decode_arg,
    encode_arg,
    page_of,
    paged,
    shows_list,
)

log = logging.getLogger(__name__)

HELP = _(
    "<b>Commands</b>\n"
    "/queue — open tickets nobody has taken, by SLA due time\n"
    "/mine — your active tickets, by SLA due time\n"
    "/waiting — tickets waiting for the customer\n"
    "/overdue — tickets past an SLA due time or about to be, most urgent first\n"
    "/stale 2h — tickets whose customer has waited longer than that for an answer\n"
    "/search words, #number or @username — find tickets\n"
    "/history — (in a topic) the customer's earlier tickets\n"
    "/log — (in a topic) what happened to this ticket\n"
    "/ban, /unban — (in a topic) stop or restore showing the customer's messages\n"
    "/note text or //text — an internal note\n"
    "/task in 2h call back — a follow-up task (in General: a personal one); "
    "/tasks — yours, /tasks all — everyone's\n"
    "/snooze tomorrow 10:00 — (in a topic) the ticket waits until then\n"
    "/tpl — send a template; /template save|list|delete — manage them (admins)\n"
    "/tag — the tags; /tag add name — a new tag (admins)\n"
    "/role, /shift, /whoami — the team\n"
    "/online, /away, /offline — your presence: auto-assignment gives tickets to those online\n"
    "/capacity — the team's load; /capacity @user 5 — their capacity (admins)\n"
    "/languages ru en — the languages you answer in\n"
    "/report today|yesterday|week|month|2026-03-01..2026-03-31 — the figures and a chart; "
    "/export — the same period as CSV files (managers)\n"
    "/help — this list"
)
IN_TOPIC = _("Use {command} inside a conversation's topic.")
NOT_THIS_LIST = _("⛔ This button does not belong to this message.")
STALE_USAGE = _(
    "Usage: /stale 2h — tickets whose customer has waited longer than that for an answer. "
    "Write the time with units: 30m, 2h, 1d or 1h30m."
)
BAN_REPLIES = {
    (BanOutcome.CHANGED, True): _(
        "🚫 {customer} is banned: their messages are kept but no longer shown here."
    ),
    (BanOutcome.CHANGED, False): _("✅ {customer} is unbanned: new messages show here again."),
    (BanOutcome.UNCHANGED, True): _("{customer} is already banned."),
    (BanOutcome.UNCHANGED, False): _("{customer} is not banned."),
    (BanOutcome.NOT_ALLOWED, True): _("⛔ Only a senior operator or above may do that."),
    (BanOutcome.NOT_ALLOWED, False): _("⛔ Only a senior operator or above may do that."),
    (BanOutcome.NO_CONVERSATION, True): IN_TOPIC,
    (BanOutcome.NO_CONVERSATION, False): IN_TOPIC,
}


#: the lists of work to do (paged by the database, ordered by due time or wait): titles
TITLES = {
    ListKind.QUEUE: _("<b>Queue</b>"),
    ListKind.MINE: _("<b>Your tickets</b>"),
    ListKind.WAITING: _("<b>Waiting for the customer</b>"),
    ListKind.OVERDUE: _("<b>Overdue and due soon</b>"),
    ListKind.STALE: _("<b>Waiting longer than {span}</b>"),
}
WORK_LISTS = frozenset(TITLES)
#: what an empty work list says when "Nothing here." would say too little
NOTHING_HERE = _("Nothing here.")
EMPTY = {
    ListKind.OVERDUE: _("Nothing is overdue or due soon."),
    ListKind.STALE: _("No customer has waited that long."),
}


def thread_of(message: Message) -> int | None:
    """The topic a message was written in (None: General)."""
    return message.message_thread_id if message.is_topic_message else None


def build_commands_router(ctx: DeskContext, *, admin_ids: Iterable[int] = ()) -> Router:
    """Router of the work commands and their paging buttons for ``ctx.group_chat_id``."""
    router = Router(name="commands")
    router.message.filter(F.chat.id == ctx.group_chat_id, F.from_user.is_bot.is_(False))
    router.callback_query.filter(F.message.chat.id == ctx.group_chat_id)
    admins = frozenset(admin_ids)
    t = Translator(ctx.locale)
    render = Renderer(ctx.group_chat_id, ctx.timezone, t)

    async def screen(kind: ListKind, arg: str, page: int) -> Screen | str:
        """The page of the list ``kind``, or a short explanation of why there is none.

        ``arg`` has the shape its list needs (checked by :class:`PageCallback`).
        """
        if kind in WORK_LISTS:
            return await work_list(kind, arg, page)
        if kind is ListKind.SEARCH:
            rows = await queries.search(decode_arg(arg), ctx.clock.now())
            return tickets(rows, t("<b>Found</b>"), page, kind, arg)
        if kind is ListKind.HISTORY:
            earlier = await queries.history(int(arg))
            if earlier is None:
                return t(IN_TOPIC, command="/history")
            lines = [render.history(row) for row in earlier]
            if not lines:
                return t("No earlier tickets of this customer.")
            return page_of(t("<b>Earlier tickets</b>"), lines, page, kind=kind, arg=arg, t=t)
        else:
            logged = await queries.ticket_log(int(arg))
            if logged is None:
                return t(IN_TOPIC, command="/log")
            number, events = logged
            if not events:
                return t("Nothing recorded for #{number} yet.", number=number)
            title = t("<b>Log of #{number}</b>", number=number)
            lines = [render.event(row) for row in events]
            return page_of(title, lines, page, kind=kind, arg=arg, t=t)

    async def work_list(kind: ListKind, arg: str, page: int) -> Screen | str:
        """A page of a work list, paged by the database, each line with its countdown."""
        now = ctx.clock.now()
        if kind is ListKind.QUEUE:
            found = await queries.unassigned_queue(now, page, PAGE_SIZE)
        elif kind is ListKind.MINE:
            found = await queries.mine(int(arg), now, page, PAGE_SIZE)
        elif kind is ListKind.WAITING:
            found = await queries.waiting(now, page, PAGE_SIZE)
        elif kind is ListKind.OVERDUE:
            found = await queries.overdue(now, page, PAGE_SIZE)
        else:
            found = await queries.stale(now, timedelta(seconds=int(arg)), page, PAGE_SIZE)
        if not found.rows:
            return t(EMPTY.get(kind, NOTHING_HERE))
        if kind is ListKind.STALE:
            title = t(TITLES[kind], span=render.span(timedelta(seconds=int(arg))))
        else:
            title = t(TITLES[kind])
        lines = [render.ticket(row, now) for row in found.rows]
        return paged(title, lines, found.page, found.pages, kind=kind, arg=arg, t=t)

    def tickets(
        rows: list[queries.TicketRow], title: str, page: int, kind: ListKind, arg: str | None
    ) -> Screen | str:
        if not rows:
            return t("Nothing found.")
        now = ctx.clock.now()
        lines = [render.ticket(row, now) for row in rows]
        return page_of(title, lines, page, kind=kind, arg=arg, t=t)

    async def answer(message: Message, kind: ListKind, arg: str) -> None:
        shown = await screen(kind, arg, 0)
        if isinstance(shown, str):
            await message.reply(shown)
        else:
            await message.reply(shown.html, reply_markup=shown.keyboard)

    @router.message(Command("help"))
    async def on_help(message: Message) -> None:
        await message.reply(t(HELP))

    @router.message(Command("queue"))
    async def on_queue(message: Message) -> None:
        await answer(message, ListKind.QUEUE, "")

    @router.message(Command("mine"))
    async def on_mine(message: Message) -> None:
        assert message.from_user is not None
        await answer(message, ListKind.MINE, str(message.from_user.id))

    @router.message(Command("waiting"))
    async def on_waiting(message: Message) -> None:
        await answer(message, ListKind.WAITING, "")

    @router.message(Command("overdue"))
    async def on_overdue(message: Message) -> None:
        await answer(message, ListKind.OVERDUE, "")

    @router.message(Command("stale"))
    async def on_stale(message: Message, command: CommandObject) -> None:
        try:
            wait = parse_duration(command.args or "")
        except ValueError:
            await message.reply(t(STALE_USAGE))
            return
        await answer(message, ListKind.STALE, str(int(wait.total_seconds())))

    @router.message(Command("search"))
    async def on_search(message: Message, command: CommandObject) -> None:
        words = " ".join((command.args or "").split())
        if not words:
            await message.reply(t("Usage: /search words, /search #number or /search @username."))
            return
        # Words too long for a button's data are shown on one page only.
        rows = await queries.search(words, ctx.clock.now())
        shown = tickets(rows, t("<b>Found</b>"), 0, ListKind.SEARCH, encode_arg(words))
        if isinstance(shown, str):
            await message.reply(shown)
        else:
            await message.reply(shown.html, reply_markup=shown.keyboard)

    @router.message(Command("history", "log"))
    async def on_topic_list(message: Message, command: CommandObject) -> None:
        thread_id = thread_of(message)
        if thread_id is None:
            await message.reply(t(IN_TOPIC, command=f"/{command.command}"))
            return
        await answer(message, ListKind(command.command), str(thread_id))

    @router.message(Command("ban", "unban"))
    async def on_ban(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        user, banned = message.from_user, command.command == "ban"
        actor = operator_profile(user.id, user.full_name, user.username)
        result = await set_banned(actor, thread_of(message), banned, ctx, admins=admins)
        text = BAN_REPLIES[(result.outcome, banned)]
        await message.reply(t(text, customer=result.customer, command=f"/{command.command}"))

    @router.callback_query(PageCallback.filter())
    async def on_page(query: CallbackQuery, callback_data: PageCallback, bot: Bot) -> None:
        pressed = query.message
        if not isinstance(pressed, Message) or not shows_list(pressed, bot.id, callback_data):
            log.info(
                "page button %r of %s refused: not on its list", query.data, query.from_user.id
            )
            await query.answer(t(NOT_THIS_LIST), show_alert=True)
            return
        shown = await screen(callback_data.kind, callback_data.arg, callback_data.page)
        if isinstance(shown, str):
            await query.answer(shown)
            return
        try:
            await pressed.edit_text(shown.html, reply_markup=shown.keyboard)
        except TelegramBadRequest as exc:  # e.g. that page is shown already
            log.debug("page not redrawn: %s", exc)
        await query.answer()

    async def unknown_command(message: Message, bot: Bot) -> bool:
        """A command no router took (notes and commands to other bots excluded)."""
        text = message.text or ""
        if not text.startswith("/") or note_text(text) is not None:
            return False
        head = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
        mention = head.partition("@")[2]
        if mention:
            me = await bot.me()
            return mention.lower() == (me.username or "").lower()
        return True

    @router.message(unknown_command)
    async def on_unknown(message: Message) -> None:
        await message.reply(t(HELP))

    return router
