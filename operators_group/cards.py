"""The ticket card: the first message of a ticket in its topic (render only).

Everything shown comes from a :class:`core.entities.TicketCard`; customer-provided text
(names, usernames) is HTML-escaped because the card is sent as HTML.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from core.entities import TicketCard
from core.enums import Channel
from core.i18n import Translator, _

STATUS_ICONS = {"new": "🆕", "open": "🟢", "waiting": "⏳", "resolved": "✅", "closed": "⚫"}
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
    """Name, @username and id of the customer, escaped."""
    customer = card.customer
    parts = [f"<b>{escape(customer.full_name)}</b>"]
    if customer.username:
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
            language=escape(card.customer.language),
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
    return "\n".join(lines)
