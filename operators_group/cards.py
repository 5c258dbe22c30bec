"""The ticket card: the first message of a ticket in its topic (render only).

Everything shown comes from a :class:`core.entities.TicketCard`; customer-provided text
(names, usernames) is HTML-escaped because the card is sent as HTML. The card's buttons
and their in-place menus are rendered here too, with the typed :class:`CardCallback`
that :mod:`operators_group.callbacks` handles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.types import InlineKeyboardMarkup as Markup
from pydantic import Field, model_validator

from core.durations import human_span
from core.entities import CardSla, CardTask, TicketCard
from core.enums import Channel
from core.i18n import Translator, _
from core.limits import BIGINT_MAX, INT_MAX, max_length
from core.models import Tag
from core.notices.wording import clock_name, due_time
from core.tickets.tags import normalize_tag

STATUS_ICONS = {"new": "🆕", "open": "🟢", "waiting": "⏳", "resolved": "✅", "closed": "⚫"}
COMMENT_SHOWN = 300  # characters of a rating comment on the card (the topic has it all)
CHANNEL_NAMES = {Channel.TELEGRAM: "Telegram", Channel.VK: "VK"}
STATUS_NAMES = {
    "new": _("new"),
    "open": _("open"),
    "waiting": _("waiting for customer"),
    "resolved": _("resolved"),
    "closed": _("closed"),
}
PRIORITY_NAMES = {
    "low": _("low"),
    "normal": _("normal"),
    "high": _("high"),
    "urgent": _("urgent"),
}


def _when(moment: datetime | None, timezone: ZoneInfo) -> str:
    return moment.astimezone(timezone).strftime("%Y-%m-%d %H:%M") if moment else "—"


def customer_line(card: TicketCard) -> str:
    """Name, @username (a vk.com link for VK customers) and id of the customer, escaped."""
    customer = card.customer
    parts = [f"<b>{escape(customer.full_name)}</b>"]
    if customer.channel is Channel.VK:  # VK has no @mentions: link the profile instead
        page = customer.username or f"id{customer.external_id}"
        parts.append(f'<a href="https://vk.com/{escape(page)}">vk.com/{escape(page)}</a>')
    elif customer.username:
        parts.append(escape(f"@{customer.username}"))
    parts.append(f"id <code>{customer.external_id}</code>")
    return " · ".join(parts)


SLA_DUE = _("⏱ {clock} by {time} · in {left}")
SLA_OVERDUE = _("⚠ {clock} overdue {late}")


def sla_line(sla: CardSla, *, locale: str, timezone: ZoneInfo) -> str:
    """The card's countdown: ``⏱ first response by 14:30 · in 12 min`` or overdue."""
    t = Translator(locale)
    clock = clock_name(sla.clock, locale)
    if sla.breached:
        return t(SLA_OVERDUE, clock=clock, late=human_span(sla.as_of - sla.due_at, locale))
    time = due_time(sla.due_at, sla.as_of, timezone)
    return t(SLA_DUE, clock=clock, time=time, left=human_span(sla.due_at - sla.as_of, locale))


#: the card's line about the ticket's next follow-up task (the text cut to one line)
NEXT_TASK = _("📌 Next task: {text} — {time}")
TASK_SHOWN = 60


def task_line(task: CardTask, *, locale: str, timezone: ZoneInfo) -> str:
    """``📌 Next task: call back — 2026-03-16 10:00`` (the text escaped and cut short)."""
    text = " ".join(task.text.split())
    text = text if len(text) <= TASK_SHOWN else text[:TASK_SHOWN] + "…"
    local = task.due_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M")
    return Translator(locale)(NEXT_TASK, text=escape(text), time=local)


def render_card(card: TicketCard, *, locale: str, timezone: ZoneInfo) -> str:
    """The card's HTML text in the operators' language."""
    t = Translator(locale)
    icon = STATUS_ICONS.get(card.status, "•")
    status = t(STATUS_NAMES.get(card.status, card.status))
    lines = [
        f"{icon} <b>#{card.number}</b> · {escape(status)}",
        t("Priority: {priority}", priority=escape(t(PRIORITY_NAMES.get(card.priority, "")))),
        t("Assignee: {name}", name=escape(card.assignee) if card.assignee else "—"),
    ]
    if card.tags:
        lines.append(t("Tags: {tags}", tags=escape(" ".join(f"#{tag}" for tag in card.tags))))
    if card.sla is not None:
        lines.append(sla_line(card.sla, locale=locale, timezone=timezone))
    if card.next_task is not None:
        lines.append(task_line(card.next_task, locale=locale, timezone=timezone))
    lines += [
        "",
        t("Customer: {who}", who=customer_line(card)),
        t(
            "Language: {language} · Channel: {channel}",
            language=escape(card.customer.language) or "—",
            channel=CHANNEL_NAMES.get(card.customer.channel, str(card.customer.channel)),
        ),
        t("Opened: {when}", when=_when(card.opened_at, timezone)),
        t("Last customer message: {when}", when=_when(card.last_customer_message_at, timezone)),
        t("Earlier tickets: {count}", count=card.earlier_tickets),
    ]
    if card.csat_score is not None:
        lines.append(
            t("Rating: {stars}", stars="★" * card.csat_score + "☆" * (5 - card.csat_score))
        )
        if card.csat_comment:
            comment = card.csat_comment
            comment = comment if len(comment) <= COMMENT_SHOWN else comment[:COMMENT_SHOWN] + "…"
            lines.append(t("Comment: {comment}", comment=escape(comment)))
    return "\n".join(lines)


class CardAct(StrEnum):
    """What a button of the card does (menus open in place and have a Back button)."""

    TAKE = "take"
    ASSIGN_MENU = "assign_menu"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    STATUS_MENU = "status_menu"
    STATUS = "status"
    PRIORITY_MENU = "priority_menu"
    PRIORITY = "priority"
    TAGS_MENU = "tags_menu"
    TAG = "tag"
    BACK = "back"


#: A ticket number as the tickets' INT column holds it.
TicketNumber = Annotated[int, Field(ge=1, le=INT_MAX)]
#: A Telegram user id as the operators' BIGINT column holds it.
TelegramId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
_DIGITS = re.compile(r"[1-9][0-9]{0,18}")


class CardCallback(CallbackData, prefix="card"):
    """A button of a ticket card: the ticket, what to do and its value (status, tag …).

    The data comes back from the client, so a modified one can send anything: bounds
    and the value's shape per act are checked when it is unpacked, and data that does
    not fit is no card button at all (the last-resort handler answers it).
    """

    ticket: TicketNumber
    act: CardAct
    value: Annotated[str, Field(max_length=max_length(Tag, "name"))] = ""

    @model_validator(mode="after")
    def _value_fits_the_act(self) -> CardCallback:
        if not value_fits(self.act, self.value):
            raise ValueError(f"{self.act} takes no value {self.value!r}")
        return self

    @property
    def operator(self) -> int:
        """The Telegram id of an Assign button's operator."""
        return int(self.value)


def value_fits(act: CardAct, value: str) -> bool:
    """Is ``value`` what a button doing ``act`` carries?"""
    if act is CardAct.ASSIGN:
        return bool(_DIGITS.fullmatch(value)) and int(value) <= BIGINT_MAX
    if act is CardAct.STATUS:
        return value in SETTABLE_STATUSES
    if act is CardAct.PRIORITY:
        return value in PRIORITY_NAMES
    if act is CardAct.TAG:
        return normalize_tag(value) == value
    return value == ""


#: The statuses the Status menu offers (``new`` is only where tickets start).
SETTABLE_STATUSES = ("open", "waiting", "resolved", "closed")
_BACK = _("⬅ Back")


def _button(text: str, card: TicketCard, act: CardAct, value: str = "") -> InlineKeyboardButton:
    data = CardCallback(ticket=card.number, act=act, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _menu(rows: list[list[InlineKeyboardButton]], card: TicketCard, t: Translator) -> Markup:
    return Markup(inline_keyboard=[*rows, [_button(t(_BACK), card, CardAct.BACK)]])


def card_keyboard(card: TicketCard, *, locale: str) -> Markup | None:
    """The card's own buttons (none on a closed ticket: closed is final)."""
    if card.status == "closed":
        return None
    t = Translator(locale)
    people = [] if card.assignee else [_button(t("🙋 Take"), card, CardAct.TAKE)]
    people.append(_button(t("👥 Assign…"), card, CardAct.ASSIGN_MENU))
    if card.assignee:
        people.append(_button(t("Unassign"), card, CardAct.UNASSIGN))
    state = [
        _button(t("Status ▾"), card, CardAct.STATUS_MENU),
        _button(t("Priority ▾"), card, CardAct.PRIORITY_MENU),
        _button(t("Tags ▾"), card, CardAct.TAGS_MENU),
    ]
    return Markup(inline_keyboard=[people, state])


def status_keyboard(card: TicketCard, settable: Sequence[str], *, locale: str) -> Markup:
    """The Status menu: the ``settable`` statuses (what the presser may set) but the current."""
    t = Translator(locale)
    rows = [
        [_button(f"{STATUS_ICONS[s]} {t(STATUS_NAMES[s])}", card, CardAct.STATUS, s)]
        for s in SETTABLE_STATUSES
        if s != card.status and s in settable
    ]
    return _menu(rows, card, t)


def priority_keyboard(card: TicketCard, *, locale: str) -> Markup:
    """The Priority menu: the four priorities, the current one ticked."""
    t = Translator(locale)
    row = [
        _button(("✓ " if p == card.priority else "") + t(name), card, CardAct.PRIORITY, p)
        for p, name in PRIORITY_NAMES.items()
    ]
    return _menu([row[:2], row[2:]], card, t)


def tags_keyboard(card: TicketCard, tags: list[str], *, locale: str) -> Markup:
    """The Tags menu: every known tag, those on the ticket ticked."""
    t = Translator(locale)
    fitting = [tag for tag in tags if ":" not in tag and len(tag.encode()) <= 40]
    buttons = [
        _button(("✓ " if tag in card.tags else "") + f"#{tag}", card, CardAct.TAG, tag)
        for tag in fitting
    ]
    return _menu([buttons[i : i + 3] for i in range(0, len(buttons), 3)], card, t)


def assign_keyboard(card: TicketCard, operators: list[tuple[int, str]], *, locale: str) -> Markup:
    """The Assign menu: the operators on shift (Telegram id, name)."""
    t = Translator(locale)
    rows = [
        [_button(("✓ " if name == card.assignee else "") + name, card, CardAct.ASSIGN, str(tg))]
        for tg, name in operators
    ]
    return _menu(rows, card, t)
