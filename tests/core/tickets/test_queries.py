"""The read queries of the operator commands, and bans, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorProfile
from core.enums import Channel, EventKind, MessageKind, OperatorRole, TicketStatus
from core.models import Conversation, Customer, Event, Message, Operator, OutboxItem, Ticket
from core.outbox.queues import MIRROR
from core.relay.ingest import ingest
from core.staff.events import record
from core.tickets import queries
from core.tickets.bans import BAN_NOTICE, BanOutcome, set_banned

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SENIOR = OperatorProfile(telegram_id=900, name="Sam", username="sam")
AGENT = OperatorProfile(telegram_id=901, name="Ann", username="ann")


def context() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


async def customer_writes(
    user_id: int, message_id: int, text: str, *, name: str = "Alice", username: str = "alice"
) -> Conversation:
    profile = CustomerProfile(Channel.TELEGRAM, user_id, name, "", username, "ru")
    message = InboundMessage(
        profile=profile,
        chat_id=user_id,
        message_id=message_id,
        sent_at=NOW,
        content=Content(MessageKind.TEXT, text=text),
    )
    await ingest(message, context())
    conversation = await Conversation.get(chat_id=user_id)
    if conversation.message_thread_id is None:
        conversation.message_thread_id = user_id * 10
        await conversation.save()
    return conversation


async def ticket_of(conversation: Conversation) -> Ticket:
    return await Ticket.filter(conversation_id=conversation.id).order_by("-id").first().get()


async def test_queue_lists_unassigned_open_tickets_oldest_first(db: str) -> None:
    older = await ticket_of(await customer_writes(1, 1, "first"))
    newer = await ticket_of(await customer_writes(2, 1, "second", name="Bob", username="bob"))
    taken = await ticket_of(await customer_writes(3, 1, "third", name="Cid", username="cid"))
    older.opened_at, newer.opened_at = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    await older.save()
    await newer.save()
    sam = await Operator.create(telegram_id=900, name="Sam", role=OperatorRole.SENIOR)
    taken.assignee_id, taken.status = sam.id, TicketStatus.OPEN
    await taken.save()
    queue = (await queries.unassigned_queue(NOW)).rows
    assert [row.number for row in queue] == [older.number, newer.number]
    assert queue[0].customer == "Alice" and queue[0].thread_id == 10
    mine = (await queries.mine(900, NOW)).rows
    assert [(row.number, row.assignee) for row in mine] == [(taken.number, "Sam")]
    assert (await queries.mine(901, NOW)).rows == []
    taken.status = TicketStatus.WAITING
    await taken.save()
    assert [row.number for row in (await queries.waiting(NOW)).rows] == [taken.number]


async def test_search_by_words_number_and_username(db: str) -> None:
    alice = await ticket_of(await customer_writes(1, 1, "Where is my parcel?"))
    bob = await ticket_of(await customer_writes(2, 1, "refund please", name="Bob", username="bob"))
    assert [row.number for row in await queries.search("PARCEL")] == [alice.number]
    assert [row.number for row in await queries.search(f"#{bob.number}")] == [bob.number]
    assert [row.number for row in await queries.search("@Bob")] == [bob.number]
    assert [row.number for row in await queries.search("bob")] == [bob.number]
    assert await queries.search("nothing like this") == []
    assert await queries.search("@ghost") == []


async def test_history_lists_earlier_tickets_with_first_line_outcome_and_rating(db: str) -> None:
    conversation = await customer_writes(1, 1, "My card was charged twice\nsee attached")
    first = await ticket_of(conversation)
    first.status, first.csat_score = TicketStatus.CLOSED, 5
    await first.save()
    await customer_writes(1, 2, "Hello again")
    history = await queries.history(10)
    assert history is not None and len(history) == 1
    row = history[0]
    assert (row.number, row.first_line, row.status, row.rating) == (
        first.number,
        "My card was charged twice",
        TicketStatus.CLOSED,
        5,
    )
    assert await queries.history(12345) is None


async def test_log_shows_the_current_tickets_events_with_actor(db: str) -> None:
    conversation = await customer_writes(1, 1, "hi")
    ticket = await ticket_of(conversation)
    sam = await Operator.create(telegram_id=900, name="Sam", role=OperatorRole.SENIOR)
    data = {"old": "new", "new": "open"}
    async with in_transaction() as connection:
        await record(
            connection,
            kind=EventKind.STATUS,
            ticket_id=ticket.id,
            actor_id=sam.id,
            data=data,
            now=NOW,
        )
    logged = await queries.ticket_log(10)
    assert logged is not None
    number, rows = logged
    assert number == ticket.number
    assert [(r.kind, r.actor, r.data) for r in rows] == [
        (EventKind.OPENED, None, {"first": True}),
        (EventKind.STATUS, "Sam", data),
    ]
    assert await queries.ticket_log(999) is None


async def test_ban_keeps_messages_unmirrored_and_notifies_once(db: str) -> None:
    await customer_writes(1, 1, "hi")
    ctx = context()
    await Operator.create(telegram_id=900, name="Sam", role=OperatorRole.SENIOR)
    assert (await set_banned(AGENT, 10, True, ctx)).outcome is BanOutcome.NOT_ALLOWED
    assert await Event.filter(kind=EventKind.REFUSED).count() == 1
    result = await set_banned(SENIOR, 10, True, ctx)
    assert result.outcome is BanOutcome.CHANGED and result.customer == "Alice"
    assert (await Customer.get(external_id=1)).is_banned
    assert (await set_banned(SENIOR, 10, True, ctx)).outcome is BanOutcome.UNCHANGED
    assert (await set_banned(SENIOR, None, True, ctx)).outcome is BanOutcome.NO_CONVERSATION
    mirrors = await OutboxItem.filter(operation=MIRROR).count()
    await customer_writes(1, 2, "still here")
    await customer_writes(1, 3, "hello?")
    assert await Message.filter(customer_chat_id=1).count() == 3
    assert await OutboxItem.filter(operation=MIRROR).count() == mirrors
    assert await OutboxItem.filter(operation=BAN_NOTICE).count() == 1
    await set_banned(SENIOR, 10, False, ctx)
    await customer_writes(1, 4, "back")
    assert await OutboxItem.filter(operation=MIRROR).count() == mirrors + 1
    kinds = await Event.filter(kind__in=(EventKind.BANNED, EventKind.UNBANNED)).values_list(
        "kind", flat=True
    )
    assert kinds == [EventKind.BANNED, EventKind.UNBANNED]
