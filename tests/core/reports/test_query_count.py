"""The metrics are aggregated by the database: the statements run do not grow with the data."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from core.context import DeskContext
from core.enums import (
    Channel,
    DeliveryState,
    EventKind,
    MessageDirection,
    ResponseKind,
    TicketStatus,
)
from core.models import Conversation, Customer, Event, Message, Operator, Ticket
from core.reports.metrics import compute_metrics
from core.reports.period import Period
from tests.core.reports.desk import utc

MONDAY = utc(2026, 11, 23, 10)


async def _fill(count: int, offset: int) -> None:
    """``count`` resolved, rated tickets, each with a customer message and a first reply."""
    operator, _ = await Operator.get_or_create(telegram_id=5, defaults={"name": "Ivan"})
    await Customer.bulk_create(
        [Customer(channel=Channel.TELEGRAM, external_id=offset + n) for n in range(count)]
    )
    customers = await Customer.filter(external_id__gte=offset).order_by("id")
    await Conversation.bulk_create(
        [
            Conversation(
                customer_id=c.id, channel=c.channel, chat_id=c.external_id, message_thread_id=n
            )
            for n, c in enumerate(customers)
        ]
    )
    conversations = await Conversation.filter(chat_id__gte=offset).order_by("id")
    opened = [MONDAY + timedelta(minutes=n) for n in range(count)]
    await Ticket.bulk_create(
        [
            Ticket(
                conversation_id=c.id,
                status=TicketStatus.RESOLVED,
                assignee_id=operator.id,
                opened_at=opened[n],
                resolved_at=opened[n] + timedelta(hours=1),
                resolution_seconds=3600,
                resolution_business_seconds=3600,
                csat_score=1 + n % 5,
                csat_comment="meh",
                tags=["billing"],
            )
            for n, c in enumerate(conversations)
        ]
    )
    tickets = await Ticket.filter(conversation_id__in=[c.id for c in conversations])
    await Message.bulk_create(
        [
            Message(
                conversation_id=ticket.conversation_id,
                ticket_id=ticket.id,
                direction=MessageDirection.OUTBOUND,
                channel=Channel.TELEGRAM,
                customer_chat_id=1,
                author_id=operator.id,
                created_at=ticket.opened_at + timedelta(minutes=5),
                delivery_state=DeliveryState.DELIVERED,
                response_kind=ResponseKind.FIRST,
                response_seconds=300 + n,
                response_business_seconds=300 + n,
            )
            for n, ticket in enumerate(tickets)
        ]
    )
    await Event.bulk_create(
        [
            Event(ticket_id=t.id, kind=kind, data={"operator": 5}, created_at=t.resolved_at)
            for t in tickets
            for kind in (EventKind.RATED, EventKind.ASSIGNED, EventKind.REOPENED)
        ]
    )


async def _statements(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """How many statements computing Monday's metrics ran, and how many tickets it saw."""
    period = Period(MONDAY.date(), MONDAY.date(), MONDAY.tzinfo)  # type: ignore[arg-type]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise"):
        metrics = await compute_metrics(period, DeskContext(group_chat_id=-1))
    ran = [r for r in caplog.records if r.name.startswith("tortoise.db_client")]
    return len(ran), metrics.volume.new


async def test_statements_do_not_grow_with_the_number_of_tickets(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    await _fill(10, 1000)
    few, seen = await _statements(caplog)
    assert seen == 10 and few > 0
    await _fill(190, 5000)
    many, seen = await _statements(caplog)
    assert seen == 200
    assert many == few
    # a fixed handful, not one per ticket (SQLite ranks through a few temporary tables)
    assert few <= 20
