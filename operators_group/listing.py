"""Rendering of the operator-group lists: ticket lines with topic links, history, the log.

Lists longer than one screen are cut into pages; a page carries Prev/Next buttons
(:class:`PageCallback`) that redraw the same list at another page. Customer text is
HTML-escaped before it goes into a message.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field, model_validator

from core.enums import TicketStatus
from core.i18n import Translator, _
from core.limits import BIGINT_MAX
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


class ListKind(StrEnum):
    """The lists that page, with what their argument is."""

    QUEUE = "queue"  # no argument
    MINE = "mine"  # the operator's Telegram id
    WAITING = "waiting"  # no argument
    SEARCH = "search"  # the search words, see encode_arg
    HISTORY = "history"  # the topic's thread id
    LOG = "log"  # the topic's thread id


_NUMERIC = frozenset({ListKind.MINE, ListKind.HISTORY, ListKind.LOG})
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

    def ticket(self, row: TicketRow) -> str:
        """One ticket line: number, customer, status, assignee and when it was opened."""
        handle = f" @{escape(row.username)}" if row.username else ""
        owner = f" · {escape(row.assignee)}" if row.assignee else ""
        status = self.t(STATUS_NAMES[row.status])
        return (
            f"{self.number(row.number, row.thread_id)} {escape(row.customer)}{handle}"
            f" · {status}{owner} · {self.stamp(row.opened_at)}"
        )

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
        elif row.kind in CUSTOMER_EVENTS:
            actor = self.t("customer")
        else:
            actor = self.t("desk")  # automatic: auto-assignment, a rule, a timer
        what = describe(row.kind, row.data, row.people, self.t)
        return f"{self.stamp(row.at)} {what} — {actor}"


def page_of(
    title: str, lines: Sequence[str], page: int, *, kind: ListKind, arg: str | None, t: Translator
) -> Screen:
    """Page ``page`` (0-based, clamped) of ``lines`` under ``title``, with Prev/Next."""
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    header = title
    if pages > 1:
        header += " " + t("(page {page} of {pages})", page=page + 1, pages=pages)
    html = "\n".join([header, *shown])
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
