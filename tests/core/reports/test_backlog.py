"""The backlog at several moments: what the definition says, ticket by ticket, on both engines."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.enums import ACTIVE_TICKET_STATUSES, Channel, TicketStatus
from core.models import Conversation, Customer, Operator, Ticket
from core.reports.digest_hours import backlog_at_ends
from core.reports.period import Period
from tests.core.reports.desk import utc

ZONE = ZoneInfo("Europe/Moscow")
DAYS = [date(2026, 11, 20) + timedelta(days=i) for i in range(5)]
START = utc(2026, 11, 18)


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(9 * 24 * 60))


async def _tickets(count: int) -> list[Ticket]:
    """``count`` tickets in every state: open, resolved, closed after resolving or without."""
    rng = random.Random(3)
    operator = await Operator.create(telegram_id=5, name="Ivan")
    await Customer.bulk_create(
        [Customer(channel=Channel.TELEGRAM, external_id=n) for n in range(count)]
    )
    customers = await Customer.all().order_by("id")
    await Conversation.bulk_create(
        [
            Conversation(customer_id=c.id, channel=c.channel, chat_id=c.external_id)
            for c in customers
        ]
    )
    conversations = await Conversation.all().order_by("id")
    tickets = []
    for conversation in conversations:
        opened = _moment(rng)
        status = rng.choice(list(TicketStatus))
        resolved = closed = None
        # closed: some resolved first; active: some resolved once, then reopened
        if status != TicketStatus.CLOSED or rng.random() < 0.5:
            if status == TicketStatus.RESOLVED or rng.random() < 0.3:
                resolved = opened + timedelta(hours=rng.randrange(1, 100))
        if status == TicketStatus.CLOSED:
            closed = (resolved or opened) + timedelta(hours=rng.randrange(0, 50))
        tickets.append(
            Ticket(
                conversation_id=conversation.id,
                status=status,
                opened_at=opened,
                resolved_at=resolved,
                closed_at=closed,
                assignee_id=operator.id if rng.random() < 0.6 else None,
            )
        )
    await Ticket.bulk_create(tickets)
    return await Ticket.all()


def _open_at(ticket: Ticket, end: datetime) -> bool:
    """The README's definition: opened before the end, not resolved by then (current state)."""
    if ticket.opened_at >= end:
        return False
    if ticket.status in ACTIVE_TICKET_STATUSES:
        return True
    over = ticket.resolved_at or ticket.closed_at
    return over is not None and over >= end


async def test_the_backlog_at_each_end_is_the_definition_applied_ticket_by_ticket(
    db: str,
) -> None:
    tickets = await _tickets(300)
    found = await backlog_at_ends(Ticket._meta.db, ZONE, DAYS)
    expected = []
    for day in DAYS:
        end = Period(day, day, ZONE).end
        open_ = [t for t in tickets if _open_at(t, end)]
        expected.append((len(open_), sum(1 for t in open_ if t.assignee_id is None)))
    assert found == expected
    assert all(o > u > 0 for o, u in expected)  # the cases are there
    assert await backlog_at_ends(Ticket._meta.db, ZONE, DAYS[2:3]) == expected[2:3]
