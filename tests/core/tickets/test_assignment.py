"""Auto-assignment through the real paths: ingest, the queue, presence and capacity."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorMessage, OperatorProfile
from core.enums import (
    AssignmentMode,
    Channel,
    EventKind,
    HandBack,
    MessageKind,
    OperatorPresence,
    TicketPriority,
    TicketStatus,
)
from core.models import Conversation, Customer, Event, Operator, OutboxItem, Ticket
from core.outbox.queues import NOTICE
from core.relay.ingest import ingest
from core.relay.replies import handle_operator_message
from core.staff.capacity import parse_capacity, parse_languages
from core.staff.presence import set_presence
from core.tickets.assignment import assign_new
from core.tickets.hand_back import change_capacity, change_presence, reassign_handlers
from core.tickets.reopening import Route
from core.tickets.workflow import set_status
from core.timers.firing import Retry, fire_batch
from core.workload_settings import Workload

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BOSS = OperatorProfile(1, "Olga Boss", "olga")


def context(
    mode: AssignmentMode = AssignmentMode.ROUND_ROBIN,
    *,
    capacity: int = 5,
    clock: FrozenClock | None = None,
) -> DeskContext:
    workload = Workload(assignment=mode, default_capacity=capacity)
    return DeskContext(
        group_chat_id=GROUP, clock=clock or FrozenClock(NOW), workload=workload, admin_ids=(1,)
    )


def agent(n: int) -> OperatorProfile:
    return OperatorProfile(100 + n, f"Agent {n}", f"agent{n}")


def inbound(user_id: int, language: str = "en", text: str = "hello") -> InboundMessage:
    profile = CustomerProfile(Channel.TELEGRAM, user_id, "Cust", str(user_id), None, language)
    return InboundMessage(
        profile=profile,
        chat_id=user_id,
        message_id=1,
        sent_at=NOW,
        content=Content(MessageKind.TEXT, text=text),
    )


async def online(ctx: DeskContext, *profiles: OperatorProfile) -> list[Operator]:
    for profile in profiles:
        assert (await set_presence(profile, OperatorPresence.ONLINE, ctx)).ok
    return [await Operator.get(telegram_id=p.telegram_id) for p in profiles]


async def active_by_operator() -> Counter[int | None]:
    tickets = await Ticket.filter(status__in=[TicketStatus.NEW, TicketStatus.OPEN])
    return Counter(t.assignee_id for t in tickets)


async def test_round_robin_over_1000_tickets_and_10_operators_is_even(db: str) -> None:
    ctx = context(capacity=1000)
    operators = await online(ctx, *(agent(n) for n in range(10)))
    customer = await Customer.create(channel=Channel.TELEGRAM, external_id=1)
    conversation = await Conversation.create(customer=customer, channel=Channel.TELEGRAM, chat_id=1)
    await Ticket.bulk_create([Ticket(conversation_id=conversation.id) for _ in range(1000)])
    for ticket in await Ticket.all().order_by("id"):
        async with in_transaction() as connection:
            await assign_new(connection, ctx, ticket.id, Route.NEW)
    counts = await active_by_operator()
    assert None not in counts
    per = [counts[o.id] for o in operators]
    assert sum(per) == 1000 and max(per) - min(per) <= 1
    desk = await Event.filter(kind=EventKind.ASSIGNED, actor_label="desk").count()
    assert desk == 1000 and await Ticket.filter(status=TicketStatus.OPEN).count() == 1000


async def test_least_loaded_never_exceeds_a_capacity_with_100_racing_first_messages(
    db: str,
) -> None:
    ctx = context(AssignmentMode.LEAST_LOADED, capacity=5)
    operators = await online(ctx, agent(1), agent(2), agent(3))
    assert (await change_capacity(BOSS, "@agent3", 2, ctx, admins={1})).ok
    outcomes = await asyncio.gather(*(ingest(inbound(1000 + i), ctx) for i in range(100)))
    assert len(outcomes) == 100 and await Ticket.all().count() == 100
    counts = await active_by_operator()
    assert [counts[o.id] for o in operators] == [5, 5, 2]
    assert counts[None] == 88  # the rest waits in the queue


async def test_least_loaded_prefers_the_least_busy(db: str) -> None:
    ctx = context(AssignmentMode.LEAST_LOADED)
    first, _second = await online(ctx, agent(1), agent(2))
    await ingest(inbound(11), ctx)
    await ingest(inbound(12), ctx)
    await set_status(1, agent(1), TicketStatus.RESOLVED, ctx)  # first is free again
    await ingest(inbound(13), ctx)
    assert (await Ticket.get(id=3)).assignee_id == first.id


async def test_nobody_online_queues_and_coming_online_drains_urgent_then_oldest(db: str) -> None:
    clock = FrozenClock(NOW)
    ctx = context(capacity=2, clock=clock)
    for user in (21, 22, 23):
        await ingest(inbound(user), ctx)
        clock.advance(minutes=1)
    assert await Ticket.filter(assignee_id__isnull=True).count() == 3
    await Ticket.filter(id=3).update(priority=TicketPriority.URGENT)
    change = await change_presence(agent(1), OperatorPresence.ONLINE, ctx)
    assert change.result.ok and change.assigned == 2
    me = await Operator.get(telegram_id=agent(1).telegram_id)
    assert me.on_shift
    mine = {t.id for t in await Ticket.filter(assignee_id=me.id)}
    assert mine == {3, 1}  # the urgent one, then the oldest
    # resolving one frees a slot: the queue's last ticket follows at once
    assert (await set_status(1, agent(1), TicketStatus.RESOLVED, ctx)).changed
    assert (await Ticket.get(id=2)).assignee_id == me.id


async def test_a_larger_capacity_takes_from_the_queue(db: str) -> None:
    ctx = context(capacity=1)
    (me,) = await online(ctx, agent(1))
    for user in (31, 32, 33):
        await ingest(inbound(user), ctx)
    assert await Ticket.filter(assignee_id=me.id).count() == 1
    assert (await change_capacity(BOSS, str(agent(1).telegram_id), 3, ctx, admins={1})).ok
    assert await Ticket.filter(assignee_id=me.id).count() == 3
    refused = await change_capacity(agent(1), "@agent1", 9, ctx)
    assert not refused.ok and (await Operator.get(id=me.id)).capacity == 3


async def test_away_reassigns_to_the_next_operator_with_a_notice(db: str) -> None:
    ctx = context(capacity=5)
    first, second = await online(ctx, agent(1), agent(2))
    for user in (41, 42, 43, 44):
        await ingest(inbound(user), ctx)
    assert (await active_by_operator())[first.id] == 2
    change = await change_presence(agent(1), OperatorPresence.AWAY, ctx)
    assert change.handed_back == 2
    assert (await active_by_operator())[second.id] == 4
    assert not (await Operator.get(id=first.id)).on_shift
    notices = await _notices()
    assert len(notices) == 2 and all("Agent 1 went away" in n for n in notices)
    assert all("now goes to Agent 2" in n for n in notices)


async def test_offline_with_unassign_puts_tickets_in_the_queue(db: str) -> None:
    ctx = DeskContext(
        group_chat_id=GROUP,
        clock=FrozenClock(NOW),
        workload=Workload(assignment=AssignmentMode.ROUND_ROBIN, hand_back=HandBack.UNASSIGN),
    )
    _first, second = await online(ctx, agent(1), agent(2))
    for user in (51, 52, 53, 54):
        await ingest(inbound(user), ctx)
    change = await change_presence(agent(1), OperatorPresence.OFFLINE, ctx)
    assert change.handed_back == 2
    counts = await active_by_operator()
    assert counts[None] == 2 and counts[second.id] == 2
    unassigned = await Event.filter(kind=EventKind.UNASSIGNED, actor_label="desk").count()
    assert unassigned == 2
    assert all("back in the queue" in n for n in await _notices())


async def test_reassign_mode_with_nobody_else_free_queues(db: str) -> None:
    ctx = context(capacity=5)
    await online(ctx, agent(1))
    await ingest(inbound(61), ctx)
    change = await change_presence(agent(1), OperatorPresence.AWAY, ctx)
    assert change.handed_back == 1 and (await Ticket.get(id=1)).assignee_id is None


async def test_a_customer_goes_to_someone_who_speaks_their_language(db: str) -> None:
    ctx = context()
    english, russian = await online(ctx, agent(1), agent(2))
    await Operator.filter(id=russian.id).update(languages=["ru"])
    await ingest(inbound(71, "ru"), ctx)  # round robin alone would pick agent 1
    assert (await Ticket.get(id=1)).assignee_id == russian.id
    await Operator.filter(id=russian.id).update(capacity=1)
    await ingest(inbound(72, "ru-RU"), ctx)  # the Russian speaker is full: anyone eligible
    assert (await Ticket.get(id=2)).assignee_id == english.id


async def test_assignment_off_assigns_nothing(db: str) -> None:
    ctx = context(AssignmentMode.OFF)
    await online(ctx, agent(1))
    await ingest(inbound(81), ctx)
    assert (await Ticket.get(id=1)).assignee_id is None


def test_capacity_and_language_arguments() -> None:
    assert parse_capacity("5") == 5 and parse_capacity("default") == -1
    assert parse_capacity("-3") is None and parse_capacity("5000") is None
    assert parse_capacity("пять") is None
    assert parse_languages(["ru", "EN-gb", "ru"]) == ("ru", "en")
    assert parse_languages(["-"]) == ()
    assert parse_languages(["russian!"]) is None and parse_languages([]) is None


async def _notices() -> list[str]:
    return [str(i.payload["html"]) for i in await OutboxItem.filter(operation=NOTICE)]


def reassigning(clock: FrozenClock) -> DeskContext:
    workload = Workload(assignment=AssignmentMode.ROUND_ROBIN, reassign_after=timedelta(minutes=30))
    return DeskContext(group_chat_id=GROUP, clock=clock, workload=workload)


async def fire_due(ctx: DeskContext) -> None:
    await fire_batch(reassign_handlers(ctx), ctx.clock.now(), limit=50, retry=Retry())


async def test_reassign_after_moves_an_unanswered_ticket_to_the_next_operator(db: str) -> None:
    clock = FrozenClock(NOW)
    ctx = reassigning(clock)
    first, second = await online(ctx, agent(1), agent(2))
    await ingest(inbound(91), ctx)
    assert (await Ticket.get(id=1)).assignee_id == first.id
    clock.advance(minutes=29)
    await fire_due(ctx)
    assert (await Ticket.get(id=1)).assignee_id == first.id  # not yet
    clock.advance(minutes=2)
    await fire_due(ctx)
    assert (await Ticket.get(id=1)).assignee_id == second.id
    assert any("has not answered in" in n and "Agent 2" in n for n in await _notices())
    moved = await Event.filter(kind=EventKind.ASSIGNED, actor_label="desk").order_by("-id").first()
    assert moved is not None and moved.data["previous"] == agent(1).telegram_id
    # the new assignment has its own deadline: silence moves it on again, back to agent 1
    clock.advance(minutes=31)
    await fire_due(ctx)
    assert (await Ticket.get(id=1)).assignee_id == first.id


async def test_a_reply_keeps_the_ticket_with_its_assignee(db: str) -> None:
    clock = FrozenClock(NOW)
    ctx = reassigning(clock)
    first, _second = await online(ctx, agent(1), agent(2))
    await ingest(inbound(92), ctx)
    await Conversation.filter(chat_id=92).update(message_thread_id=77)
    reply = OperatorMessage(
        operator=agent(1),
        thread_id=77,
        message_id=10,
        sent_at=NOW,
        content=Content(MessageKind.TEXT, text="On it"),
    )
    await handle_operator_message(reply, ctx)
    clock.advance(hours=1)
    await fire_due(ctx)
    assert (await Ticket.get(id=1)).assignee_id == first.id
