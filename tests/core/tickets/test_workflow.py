"""The operator workflow without any messenger: take, assign, status, priority, tags."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorRole, OutboxStatus, TicketPriority, TicketStatus
from core.messaging.views import topic_title
from core.models import Conversation, Customer, Event, Operator, OutboxItem, Tag, Ticket
from core.outbox import SUPERSEDED
from core.outbox.queues import EDIT_CARD, RENAME_TOPIC
from core.relay.ingest import ingest
from core.staff.events import events_of
from core.tickets.tags import TagOutcome, add_tag, tag_names
from core.tickets.workflow import (
    Origin,
    Problem,
    assign,
    set_priority,
    set_status,
    take,
    toggle_tag,
    unassign,
)
from tests.core.relay.test_relay import inbound

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

BOSS = OperatorProfile(1, "Olga Boss", "olga")
IVAN = OperatorProfile(2, "Ivan Agent", "ivan")
PETR = OperatorProfile(3, "Petr Agent", "petr")
ADMINS = frozenset({1})


def context() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


async def new_ticket(user_id: int = 700) -> Ticket:
    """A customer writes: one conversation with a ``new`` ticket (and its card id 50)."""
    await ingest(inbound(user_id, 1), context())
    conversation = await Conversation.get(chat_id=user_id)
    await Conversation.filter(id=conversation.id).update(message_thread_id=40 + user_id)
    ticket = await Ticket.get(conversation_id=conversation.id)
    await Ticket.filter(id=ticket.id).update(card_message_id=50 + user_id)
    return await Ticket.get(id=ticket.id)


async def role(profile: OperatorProfile, value: OperatorRole) -> None:
    await Operator.update_or_create(
        telegram_id=profile.telegram_id,
        defaults={"name": profile.name, "username": profile.username, "role": value},
    )


async def test_an_agent_takes_a_new_ticket_which_opens_and_refreshes(db: str) -> None:
    ticket = await new_ticket()
    result = await take(ticket.number, IVAN, context())
    assert result.ok and result.changed and result.assignee == "Ivan Agent"
    stored = await Ticket.get(id=ticket.id)
    ivan = await Operator.get(telegram_id=IVAN.telegram_id)
    assert stored.assignee_id == ivan.id and stored.status == TicketStatus.OPEN
    assert stored.assigned_at == NOW  # taking by hand stamps it like the desk's assignment
    kinds = [e.kind for e in await events_of(ticket_id=ticket.id)]
    assert EventKind.ASSIGNED in kinds and EventKind.STATUS in kinds
    ops = await OutboxItem.filter(operation__in=[EDIT_CARD, RENAME_TOPIC]).count()
    assert ops == 2
    again = await take(ticket.number, PETR, context())
    assert again.problem is Problem.TAKEN and again.assignee == "Ivan Agent"


async def test_the_topic_title_carries_status_and_urgency(db: str) -> None:
    ticket = await new_ticket()
    customer = await Customer.get(external_id=700)
    name = "\u2068Alice Smith\u2069"  # isolated: a right-to-left name cannot flip the title
    assert topic_title(ticket, customer) == f"🆕 #{ticket.number} {name} · Telegram"
    await take(ticket.number, IVAN, context())
    await set_priority(ticket.number, IVAN, TicketPriority.URGENT, context())
    ticket = await Ticket.get(id=ticket.id)
    assert topic_title(ticket, customer) == f"🟢🔥 #{ticket.number} {name} · Telegram"


async def test_agents_are_limited_to_their_own_or_unowned_tickets(db: str) -> None:
    ticket = await new_ticket()
    await take(ticket.number, IVAN, context())
    ctx = context()
    for refused in (
        await set_status(ticket.number, PETR, TicketStatus.WAITING, ctx),
        await set_priority(ticket.number, PETR, TicketPriority.HIGH, ctx),
        await assign(ticket.number, PETR, PETR.telegram_id, ctx),
        await unassign(ticket.number, PETR, ctx),
        await set_status(ticket.number, IVAN, TicketStatus.CLOSED, ctx),
    ):
        assert refused.problem is Problem.NOT_ALLOWED and not refused.changed
    assert await Event.filter(kind=EventKind.REFUSED).count() == 5
    stored = await Ticket.get(id=ticket.id)
    assert stored.status == TicketStatus.OPEN and stored.priority == TicketPriority.NORMAL
    assert (await set_status(ticket.number, IVAN, TicketStatus.WAITING, ctx)).changed


async def test_a_senior_assigns_and_unassigns_with_events(db: str) -> None:
    ticket = await new_ticket()
    await role(BOSS, OperatorRole.SENIOR)
    await take(ticket.number, IVAN, context())  # registers Ivan
    result = await assign(ticket.number, BOSS, IVAN.telegram_id, context())
    assert result.ok and not result.changed  # already his
    await take(ticket.number, PETR, context())  # Petr is known now, but refused the take
    result = await assign(ticket.number, BOSS, PETR.telegram_id, context())
    assert result.changed and result.assignee == "Petr Agent"
    event = (await events_of(kind=EventKind.ASSIGNED, ticket_id=ticket.id))[-1]
    assert event.data == {"operator": PETR.telegram_id, "previous": IVAN.telegram_id}
    assert (await assign(ticket.number, BOSS, 999, context())).problem is Problem.UNKNOWN_OPERATOR
    assert (await unassign(ticket.number, BOSS, context())).changed
    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    unassigned = await events_of(kind=EventKind.UNASSIGNED)
    assert [e.data for e in unassigned] == [{"operator": PETR.telegram_id}]


async def test_closed_is_final(db: str) -> None:
    ticket = await new_ticket()
    await role(BOSS, OperatorRole.SENIOR)
    assert (await set_status(ticket.number, BOSS, TicketStatus.CLOSED, context())).changed
    stored = await Ticket.get(id=ticket.id)
    assert stored.status == TicketStatus.CLOSED and stored.closed_at == NOW
    for result in (
        await set_status(ticket.number, BOSS, TicketStatus.OPEN, context()),
        await take(ticket.number, IVAN, context()),
        await set_priority(ticket.number, BOSS, TicketPriority.LOW, context()),
        await unassign(ticket.number, BOSS, context()),
    ):
        assert result.problem is Problem.CLOSED
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED


async def test_tags_come_from_the_tag_table_and_toggle(db: str) -> None:
    ticket = await new_ticket()
    await Tag.create(name="billing")
    assert (await toggle_tag(ticket.number, IVAN, "nope", context())).problem is Problem.UNKNOWN_TAG
    assert (await toggle_tag(ticket.number, IVAN, "billing", context())).changed
    assert (await Ticket.get(id=ticket.id)).tags == ["billing"]
    assert (await toggle_tag(ticket.number, IVAN, "billing", context())).changed
    assert (await Ticket.get(id=ticket.id)).tags == []
    kinds = [e.kind for e in await events_of(ticket_id=ticket.id)]
    assert kinds[-2:] == [EventKind.TAG_ADDED, EventKind.TAG_REMOVED]


async def test_a_press_from_another_card_or_ticket_is_refused(db: str) -> None:
    ticket = await new_ticket()
    other = await new_ticket(701)
    ctx = context()
    forged = Origin(thread_id=40 + 701, message_id=int(other.card_message_id or 0))
    assert (await take(ticket.number, IVAN, ctx, origin=forged)).problem is Problem.WRONG_CARD
    assert (await take(9999, IVAN, ctx)).problem is Problem.NO_TICKET
    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    assert await Event.filter(kind=EventKind.REFUSED).count() == 2
    real = Origin(thread_id=40 + 700, message_id=int(ticket.card_message_id or 0))
    assert (await take(ticket.number, IVAN, ctx, origin=real)).changed


async def test_ten_changes_leave_one_pending_card_edit_and_rename(db: str) -> None:
    ticket = await new_ticket()
    await take(ticket.number, IVAN, context())
    priorities = [TicketPriority.HIGH, TicketPriority.LOW] * 5
    for priority in priorities:
        assert (await set_priority(ticket.number, IVAN, priority, context())).changed
    for operation in (EDIT_CARD, RENAME_TOPIC):
        pending = await OutboxItem.filter(operation=operation, status=OutboxStatus.PENDING)
        superseded = await OutboxItem.filter(operation=operation, last_error=SUPERSEDED)
        assert len(pending) == 1 and len(superseded) == 10


async def test_two_concurrent_takes_have_exactly_one_winner_fifty_times(db: str) -> None:
    ctx = context()
    for n in range(50):
        ticket = await new_ticket(1000 + n)
        results = await asyncio.gather(
            take(ticket.number, IVAN, ctx), take(ticket.number, PETR, ctx)
        )
        winners = [r for r in results if r.changed]
        losers = [r for r in results if r.problem is Problem.TAKEN]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].assignee == winners[0].assignee
        stored = await Ticket.get(id=ticket.id)
        owner = await Operator.get(id=stored.assignee_id)
        assert owner.name == winners[0].assignee
        assigned = await events_of(kind=EventKind.ASSIGNED, ticket_id=ticket.id)
        assert len(assigned) == 1


async def test_only_admins_add_tags_and_names_are_normalized(db: str) -> None:
    ctx = context()
    assert await add_tag(IVAN, "billing", ctx, admins=ADMINS) is TagOutcome.NOT_ALLOWED
    assert await add_tag(BOSS, "#Billing", ctx, admins=ADMINS) is TagOutcome.ADDED
    assert await add_tag(BOSS, "billing", ctx, admins=ADMINS) is TagOutcome.EXISTS
    assert await add_tag(BOSS, "two:words", ctx, admins=ADMINS) is TagOutcome.INVALID
    assert await tag_names() == ["billing"]
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
