"""Automation rules through the real ingest on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorProfile
from core.enums import (
    Channel,
    EventKind,
    MessageDirection,
    MessageKind,
    OperatorPresence,
    TicketPriority,
    TicketStatus,
)
from core.models import Event, Message, Operator, OutboxItem, Tag, Template, Ticket
from core.outbox.queues import NOTICE
from core.relay.ingest import ingest
from core.rule_settings import rules_from_settings
from core.tickets import workflow
from core.tickets.templates import POST_TEMPLATE

GROUP = -1001234567890
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
IVAN = OperatorProfile(2, "Ivan Agent", "ivan")


def desk(raw: Any = None, **extra: Any) -> DeskContext:
    rules = rules_from_settings(SimpleNamespace(rules=raw))
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(MONDAY), rules=rules, **extra)


_ids = iter(range(1, 10_000))


async def write(ctx: DeskContext, text: str, *, user: int = 501, lang: str = "ru") -> Ticket:
    profile = CustomerProfile(Channel.TELEGRAM, user, "Мария", "", "maria", lang)
    content = Content(MessageKind.TEXT, text=text)
    inbound = InboundMessage(profile, user, next(_ids), ctx.clock.now(), content)
    await ingest(inbound, ctx)
    message = await Message.filter(customer_chat_id=user).order_by("-id").first()
    assert message is not None and message.ticket_id is not None
    return await Ticket.get(id=message.ticket_id)


async def by_rules(ticket: Ticket) -> list[tuple[str, str, dict[str, Any]]]:
    events = await Event.filter(ticket_id=ticket.id, actor_label__isnull=False).order_by("id")
    return [(str(e.actor_label), str(e.kind), e.data) for e in events]


REFUNDS = [
    {
        "name": "refunds",
        "when": {"keywords": ["возврат", "refund"]},
        "then": {"priority": "high", "tags": ["billing"]},
    }
]


async def test_a_word_form_the_list_does_not_spell_sets_priority_and_tags(db: str) -> None:
    ctx = desk(REFUNDS)
    ticket = await write(ctx, "Когда будет ВОЗВРАТА денег?")
    assert (ticket.priority, ticket.tags, ticket.rules_fired) == (
        TicketPriority.HIGH,
        ["billing"],
        ["refunds"],
    )
    assert await by_rules(ticket) == [
        ("rule:refunds", "priority", {"old": "normal", "new": "high"}),
        ("rule:refunds", "tag_added", {"tag": "billing"}),
    ]
    assert await Tag.filter(name="billing").exists()  # operators find it in the tag menu
    sla = await Event.filter(ticket_id=ticket.id, kind=EventKind.SLA_RECOMPUTED).count()
    assert sla == 1


async def test_a_rule_acts_once_per_ticket_and_an_operator_may_undo_it(db: str) -> None:
    ctx = desk(REFUNDS)
    ticket = await write(ctx, "Хочу возврат")
    await workflow.take(ticket.id, IVAN, ctx)
    await workflow.set_priority(ticket.id, IVAN, TicketPriority.LOW, ctx)
    again = await write(ctx, "Где мой возврат?!")
    assert again.id == ticket.id and again.priority == TicketPriority.LOW
    assert len(await by_rules(ticket)) == 2


async def test_no_match_changes_nothing_and_the_default_set_raises_urgent_words(db: str) -> None:
    ctx = desk(REFUNDS)
    plain = await write(ctx, "Подскажите адрес магазина")
    assert (plain.priority, plain.tags, plain.rules_fired) == (TicketPriority.NORMAL, [], [])
    default = desk(None)
    urgent = await write(default, "Срочно! Приложение не работает", user=502, lang="ru")
    assert (urgent.priority, urgent.rules_fired) == (TicketPriority.HIGH, ["urgent-words"])
    off = desk([])
    calm = await write(off, "urgent!!!", user=503)
    assert calm.priority == TicketPriority.NORMAL


async def test_returning_customers_and_tags_are_conditions(db: str) -> None:
    raw = [
        {"name": "vip", "when": {"customer": "returning"}, "then": {"tags": ["vip"]}},
        {"name": "vip-fast", "when": {"tag": "vip"}, "then": {"priority": "urgent"}},
    ]
    ctx = desk(raw)
    first = await write(ctx, "Привет")
    assert (first.tags, first.priority) == ([], TicketPriority.NORMAL)
    await workflow.take(first.id, IVAN, ctx)
    await workflow.set_status(first.id, IVAN, TicketStatus.CLOSED, ctx, admins=(2,))
    second = await write(ctx, "Снова я")
    assert second.id != first.id
    assert (second.tags, second.priority) == (["vip"], TicketPriority.URGENT)
    assert second.rules_fired == ["vip", "vip-fast"]


async def test_assign_to_an_operator_and_to_the_least_busy_online_one_of_a_team(db: str) -> None:
    ctx = desk(
        [
            {"name": "anna", "when": {"keywords": ["касса"]}, "then": {"assign": "@Anna"}},
            {"name": "team", "when": {"keywords": ["доставк"]}, "then": {"assign_team": [7, 8, 9]}},
        ]
    )
    await Operator.create(telegram_id=5, name="Anna", username="anna")
    await Operator.create(telegram_id=7, name="Away", presence=OperatorPresence.AWAY)
    busy = await Operator.create(telegram_id=8, name="Busy", presence=OperatorPresence.ONLINE)
    free = await Operator.create(telegram_id=9, name="Free", presence=OperatorPresence.ONLINE)
    cash = await write(ctx, "Не работает касса", user=601)
    assert cash.status == TicketStatus.OPEN and cash.assigned_at is not None
    assert (await Operator.get(id=cash.assignee_id)).telegram_id == 5
    await workflow.take((await write(ctx, "Привет", user=602)).id, OperatorProfile(8, "Busy"), ctx)
    delivery = await write(ctx, "Где доставка?", user=603)
    assert delivery.assignee_id == free.id != busy.id
    assert ("rule:team", "assigned", {"operator": 9, "previous": None}) in await by_rules(delivery)


async def test_what_a_rule_cannot_do_is_said_in_the_topic(db: str) -> None:
    ctx = desk(
        [{"name": "x", "then": {"assign": "@nobody", "reply": "missing", "note": "<b>VIP</b>"}}]
    )
    ticket = await write(ctx, "Привет")
    assert ticket.assignee_id is None
    notices = [i.payload["html"] for i in await OutboxItem.filter(operation=NOTICE).order_by("id")]
    assert notices == [
        "⚙️ Rule x could not assign the ticket: @nobody has not used the desk yet.",
        "⚙️ Rule x could not reply: there is no template missing.",
        "📝 Rule x: &lt;b&gt;VIP&lt;/b&gt;",
    ]


async def test_a_reply_template_is_posted_in_the_customers_language(db: str) -> None:
    await Template.create(name="refund", language="", text="Refund for {customer.first_name}")
    await Template.create(
        name="refund", language="ru", text="{customer.first_name}, о возврате: {company}"
    )
    ctx = desk(
        [{"name": "r", "when": {"keywords": ["возврат"]}, "then": {"reply": "refund"}}],
        company_name="Acme",
    )
    ticket = await write(ctx, "Нужен возврат")
    [reply] = await Message.filter(ticket_id=ticket.id, direction=MessageDirection.OUTBOUND)
    assert (reply.text, reply.author_id) == ("Мария, о возврате: Acme", None)
    assert await OutboxItem.filter(operation=POST_TEMPLATE, message_id=reply.id).exists()
    [used] = await Event.filter(ticket_id=ticket.id, kind=EventKind.TEMPLATE_USED)
    assert used.actor_label == "rule:r" and used.actor_id is None
    fresh = await Ticket.get(id=ticket.id)
    assert fresh.first_response_at is None  # the desk's own words owe the customer still
