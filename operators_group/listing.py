"""Rendering of the operator-group lists: ticket lines with topic links, history, the log.

A ticket line ends with its SLA countdown (``⏱ first reply in 12 min``, ``⚠ next reply
5 min overdue``) when a clock runs, and in ``/stale`` with how long the customer waits.
Lists longer than one screen are cut into pages (work lists are paged by the database);
a page carries Prev/Next buttons (:class:`PageCallback`) that redraw the same list at
another page. Customer text is HTML-escaped before it goes into a message.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field, model_validator

from core.durations import MAX_DURATION, human_span
from core.enums import SlaClock, TicketStatus
from core.i18n import Translator, _
from core.limits import BIGINT_MAX
from core.staff.events import RULE_PREFIX
from core.tickets.due import DueClock
from core.tickets.queries import HistoryRow, LogRow, TicketRow
from operators_group.event_lines import CUSTOMER_EVENTS, describe

PAGE_SIZE = 10
#: More pages than any list of the desk has (a bound for data from the client).
MAX_PAGE = 99_999
#: Telegram allows 64 bytes of callback data; longer search words are not paged.
MAX_ARG = 44

STATUS_NAMES: dict[TicketStatus, str] = {
    TicketStatus.NEW: _("new"),
    TicketStatus.OPEN: _("open"),
    TicketStatus.WAITING: _("waiting"),
    TicketStatus.RESOLVED: _("resolved"),
    TicketStatus.CLOSED: _("closed"),
}

#: the clocks named briefly, as a list line has room for
CLOCK_NAMES: dict[SlaClock, str] = {
    SlaClock.FIRST_RESPONSE: _("first reply"),
    SlaClock.NEXT_RESPONSE: _("next reply"),
    SlaClock.RESOLUTION: _("resolution"),
}
DUE_IN = _("⏱ {clock} in {span}")
OVERDUE = _("⚠ {clock} {span} overdue")
#: breached, but its due time moved later since (a lower priority): no time to show
BREACHED = _("⚠ {clock} breached")
WAITS = _("⏳ waits {span}")


class ListKind(StrEnum):
    """The lists that page, with what their argument is."""

    QUEUE = "queue"  # no argument
    MINE = "mine"  # the operator's Telegram id
    WAITING = "waiting"  # no argument
    SEARCH = "search"  # the search words, see encode_arg
    HISTORY = "history"  # the topic's thread id
    LOG = "log"  # the topic's thread id
    OVERDUE = "overdue"  # no argument
    STALE = "stale"  # the wait in seconds


_NUMERIC = frozenset({ListKind.MINE, ListKind.HISTORY, ListKind.LOG, ListKind.STALE})
_DIGITS = re.compile(r"[1-9][0-9]{0,18}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class PageCallback(CallbackData, prefix="pg"):
    """A Prev/Next button: which list (``kind``), its argument and the page to show.

    The data comes back from the client: the argument must have its list's shape (an id
    a BIGINT column holds, or encoded search words) and the page a sane number, or the
    data is no page button at all.
    """

    kind: ListKind
    arg: Annotated[str, Field(max_length=MAX_ARG)] = ""
    page: Annotated[int, Field(ge=0, le=MAX_PAGE)]

    @model_validator(mode="after")
    def _arg_fits_the_kind(self) -> PageCallback:
        if not arg_fits(self.kind, self.arg):
            raise ValueError(f"list {self.kind} takes no argument {self.arg!r}")
        return self


def arg_fits(kind: ListKind, arg: str) -> bool:
    """Is ``arg`` what a page button of the list ``kind`` carries?"""
    if kind is ListKind.STALE:
        return bool(_DIGITS.fullmatch(arg)) and int(arg) <= MAX_DURATION.total_seconds()
    if kind in _NUMERIC:
        return bool(_DIGITS.fullmatch(arg)) and int(arg) <= BIGINT_MAX
    if kind is ListKind.SEARCH:
        return bool(_BASE64URL.fullmatch(arg))
    return arg == ""


def shows_list(message: Message, bot_id: int, data: PageCallback) -> bool:
    """Is ``message`` the bot's own page of the list that ``data`` pages?

    A page button acts only there: pressed (or forged) on any other message — a
    ticket's pinned card, another list — it would replace that message's text.
    """
    if message.from_user is None or message.from_user.id != bot_id:
        return False
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    for button in (button for row in rows for button in row):
        try:
            shown = PageCallback.unpack(button.callback_data or "")
        except (TypeError, ValueError):
            continue
        if (shown.kind, shown.arg) == (data.kind, data.arg):
            return True
    return False


def encode_arg(text: str) -> str | None:
    """``text`` made safe for callback data, or None when it does not fit."""
    encoded = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return encoded if len(encoded) <= MAX_ARG else None


def decode_arg(arg: str) -> str:
    """The inverse of :func:`encode_arg` (an empty string for anything damaged)."""
    try:
        return base64.urlsafe_b64decode(arg + "=" * (-len(arg) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def topic_link(group_chat_id: int, thread_id: int) -> str:
    """``https://t.me/c/<internal id>/<thread>``: the group id without its ``-100``."""
    internal = str(group_chat_id).removeprefix("-100").lstrip("-")
    return f"https://t.me/c/{internal}/{thread_id}"


@dataclass(frozen=True, slots=True)
class Screen:
    """One page of a list: its HTML and the paging keyboard (None: a single page)."""

    html: str
    keyboard: InlineKeyboardMarkup | None


class Renderer:
    """Turns query rows into lines of HTML for one group (links, times, language)."""

    def __init__(self, group_chat_id: int, timezone: ZoneInfo, t: Translator) -> None:
        self.group_chat_id, self.timezone, self.t = group_chat_id, timezone, t

    def stamp(self, moment: datetime) -> str:
        """A date and time in the desk's time zone."""
        return moment.astimezone(self.timezone).strftime("%d.%m %H:%M")

    def number(self, number: int, thread_id: int | None) -> str:
        """``#12`` linked to its topic (plain when the topic is not there yet)."""
        if thread_id is None:
            return f"#{number}"
        return f'<a href="{topic_link(self.group_chat_id, thread_id)}">#{number}</a>'

    def ticket(self, row: TicketRow, now: datetime) -> str:
        """One ticket line: number, customer, status, assignee, when it was opened, and
        as of ``now`` how long the customer waits (``/stale``) and its SLA countdown."""
        handle = f" @{escape(row.username)}" if row.username else ""
        owner = f" · {escape(row.assignee)}" if row.assignee else ""
        status = self.t(STATUS_NAMES[row.status])
        line = (
            f"{self.number(row.number, row.thread_id)} {escape(row.customer)}{handle}"
            f" · {status}{owner} · {self.stamp(row.opened_at)}"
        )
        if row.waiting_since is not None:
            line += " · " + self.t(WAITS, span=self.span(now - row.waiting_since))
        if row.due is not None:
            line += " · " + self.countdown(row.due, now)
        return line

    def span(self, span: timedelta) -> str:
        """``1 h 5 min`` in the group's language."""
        return human_span(span, self.t.locale)

    def countdown(self, due: DueClock, now: datetime) -> str:
        """``⏱ first reply in 12 min``, ``⚠ first reply 5 min overdue`` as of ``now``."""
        clock = self.t(CLOCK_NAMES[due.clock])
        if due.due_at > now:
            if due.breached:
                return self.t(BREACHED, clock=clock)
            return self.t(DUE_IN, clock=clock, span=self.span(due.due_at - now))
        return self.t(OVERDUE, clock=clock, span=self.span(now - due.due_at))

    def history(self, row: HistoryRow) -> str:
        """An earlier ticket: number, date, first line, outcome and rating."""
        first = escape(row.first_line[:80]) or "…"
        rating = f" · {'⭐' * row.rating}" if row.rating else ""
        status = self.t(STATUS_NAMES[row.status])
        return f"#{row.number} {self.stamp(row.opened_at)} · {first} · {status}{rating}"

    def event(self, row: LogRow) -> str:
        """One event: time, what happened as a sentence, and who did it."""
        if row.actor:
            actor = escape(row.actor)
        elif row.label and row.label.startswith(RULE_PREFIX):
            actor = self.t("rule {name}", name=escape(row.label.removeprefix(RULE_PREFIX)))
        elif row.kind in CUSTOMER_EVENTS:
            actor = self.t("customer")
        else:
            actor = self.t("desk")  # automatic: auto-assignment, a rule, a timer
        what = describe(row.kind, row.data, row.people, self.t, zone=self.timezone)
        return f"{self.stamp(row.at)} {what} — {actor}"


def page_of(
    title: str, lines: Sequence[str], page: int, *, kind: ListKind, arg: str | None, t: Translator
) -> Screen:
    """Page ``page`` (0-based, clamped) of ``lines`` under ``title``, with Prev/Next."""
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    return paged(title, shown, page, pages, kind=kind, arg=arg, t=t)


def paged(
    title: str,
    lines: Sequence[str],
    page: int,
    pages: int,
    *,
    kind: ListKind,
    arg: str | None,
    t: Translator,
) -> Screen:
    """The lines of page ``page`` (0-based) of ``pages`` under ``title``, with Prev/Next.

    For lists the database pages: ``lines`` are that page's only.
    """
    header = title
    if pages > 1:
        header += " " + t("(page {page} of {pages})", page=page + 1, pages=pages)
    html = "\n".join([header, *lines])
    if pages == 1 or arg is None:
        return Screen(html, None)
    builder = InlineKeyboardBuilder()
    if page > 0:
        builder.button(
            text=t("◀ Prev"), callback_data=PageCallback(kind=kind, arg=arg, page=page - 1)
        )
    if page < pages - 1:
        builder.button(
            text=t("Next ▶"), callback_data=PageCallback(kind=kind, arg=arg, page=page + 1)
        )
    return Screen(html, builder.as_markup())
