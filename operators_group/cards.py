"""The ticket card: the first message of a ticket in its topic (render only).

Everything shown comes from a :class:`core.entities.TicketCard`; customer-provided text
(names, usernames) is HTML-escaped because the card is sent as HTML. The card's buttons
and their in-place menus are rendered here too, with the typed :class:`CardCallback`
that :mod:`operators_group.callbacks` handles.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from html import escape
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.types import InlineKeyboardMarkup as Markup

from core.entities import TicketCard
from core.enums import Channel
from core.i18n import Translator, _

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


class CardCallback(CallbackData, prefix="card"):
    """A button of a ticket card: the ticket, what to do and its value (status, tag …)."""

    ticket: int
    act: CardAct
    value: str = ""


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


def status_keyboard(card: TicketCard, *, locale: str) -> Markup:
    """The Status menu: every status the ticket can move to."""
    t = Translator(locale)
    rows = [
        [_button(f"{STATUS_ICONS[s]} {t(STATUS_NAMES[s])}", card, CardAct.STATUS, s)]
        for s in SETTABLE_STATUSES
        if s != card.status
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
