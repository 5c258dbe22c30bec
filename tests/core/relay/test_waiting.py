"""Waiting on the customer through the real workflow, ingest and deadline handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorProfile
from core.enums import Channel, EventKind, MessageKind, TicketStatus
from core.models import Deadline, Event, OutboxItem, Ticket
from core.outbox.queues import ASK_RATING, NOTICE
from core.relay.acknowledgements import AUTO_REPLY
from core.relay.ingest import ingest
from core.relay.nudges import waiting_handlers
from core.tickets import workflow
from core.timers.firing import Retry, fire_batch
from core.timers.waiting import WAITING_NUDGE, WAITING_RESOLVE
from core.workload_settings import Workload

GROUP = -1001234567890
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
IVAN = OperatorProfile(2, "Ivan Agent", "ivan")
ON = Workload(nudge_after=timedelta(hours=1), auto_resolve_after=timedelta(hours=3))


def desk(workload: Workload = ON, company: str = "Acme") -> DeskContext:
    return DeskContext(
        group_chat_id=GROUP, clock=FrozenClock(MONDAY), workload=workload, company_name=company
    )


_ids = iter(range(1, 10_000))


async def write(ctx: DeskContext, text: str = "Hello", lang: str = "en") -> Ticket:
    profile = CustomerProfile(Channel.TELEGRAM, 501, "Alice", "", "alice", lang)
    message = InboundMessage(
        profile, 501, next(_ids), ctx.clock.now(), Content(MessageKind.TEXT, text=text)
    )
    await ingest(message, ctx)
    return await Ticket.get(conversation__chat_id=501)


async def waiting(ctx: DeskContext, lang: str = "en") -> Ticket:
    ticket = await write(ctx, lang=lang)
    await workflow.take(ticket.id, IVAN, ctx)
    await workflow.set_status(ticket.id, IVAN, TicketStatus.WAITING, ctx)
    return await Ticket.get(id=ticket.id)


async def later(ctx: DeskContext, **delta: float) -> None:
    """Move the clock and fire what is due, as the scheduler does."""
    assert isinstance(ctx.clock, FrozenClock)
    ctx.clock.advance(**delta)
    await fire_batch(waiting_handlers(ctx), ctx.clock.now(), limit=50, retry=Retry())


async def sent(kind: str = "nudge") -> list[str]:
    items = await OutboxItem.filter(operation=AUTO_REPLY).order_by("id")
    return [str(i.payload["text"]) for i in items if i.payload["reply"] == kind]


async def test_the_customer_is_reminded_then_the_desk_resolves(db: str) -> None:
    ctx = desk()
    ticket = await waiting(ctx)
    await later(ctx, minutes=59)
    assert await sent() == []
    await later(ctx, minutes=1)
    assert await sent() == [
        "Hello! This is the support team of Acme. We are still waiting for your reply about "
        f"request #{ticket.number}. If you still need help, just answer in this chat."
    ]
    nudged = await Ticket.get(id=ticket.id)
    assert nudged.nudged_at == ctx.clock.now() and nudged.status == TicketStatus.WAITING
    [event] = await Event.filter(ticket_id=ticket.id, kind=EventKind.NUDGED)
    assert (event.actor_label, event.actor_id) == ("desk", None)
    await later(ctx, hours=2)
    resolved = await Ticket.get(id=ticket.id)
    assert (resolved.status, resolved.resolved_at) == (TicketStatus.RESOLVED, ctx.clock.now())
    [status] = await Event.filter(ticket_id=ticket.id, kind=EventKind.STATUS, actor_label="desk")
    assert status.data == {"old": "waiting", "new": "resolved"}
    assert await OutboxItem.filter(operation=ASK_RATING).count() == 1
    notices = [i.payload["html"] for i in await OutboxItem.filter(operation=NOTICE).order_by("id")]
    assert notices == [
        "🔔 The customer was reminded that we wait for their reply.",
        "✅ Resolved by the desk: no reply from the customer in 3 h.",
    ]
    assert await sent() != [] and len(await sent()) == 1  # reminded once


async def test_russian_customers_read_russian_and_no_company_means_the_team(db: str) -> None:
    ctx = desk(company="")
    ticket = await waiting(ctx, lang="ru")
    await later(ctx, hours=1)
    assert await sent() == [
        f"Здравствуйте! Мы всё ещё ждём вашего ответа по обращению #{ticket.number}. "
        "Если помощь ещё нужна, просто ответьте в этом чате."
    ]


async def test_a_customer_reply_cancels_both_and_a_second_wait_arms_again(db: str) -> None:
    ctx = desk()
    ticket = await waiting(ctx)
    await later(ctx, minutes=30)
    await write(ctx, "Still here")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert not await Deadline.filter(
        fired_at__isnull=True, kind__in=[WAITING_NUDGE, WAITING_RESOLVE]
    ).exists()
    await later(ctx, hours=5)
    assert await sent() == [] and (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    await workflow.set_status(ticket.id, IVAN, TicketStatus.WAITING, ctx)
    await later(ctx, hours=1)
    assert len(await sent()) == 1


async def test_an_operators_status_change_cancels_and_snoozed_tickets_are_left_alone(
    db: str,
) -> None:
    ctx = desk()
    ticket = await waiting(ctx)
    await workflow.set_status(ticket.id, IVAN, TicketStatus.OPEN, ctx)
    await later(ctx, hours=4)
    assert await sent() == []
    await workflow.set_status(ticket.id, IVAN, TicketStatus.WAITING, ctx)
    await Ticket.filter(id=ticket.id).update(snoozed_until=ctx.clock.now() + timedelta(days=1))
    await later(ctx, hours=4)
    assert await sent() == []
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING


async def test_off_by_default(db: str) -> None:
    ctx = desk(Workload())
    ticket = await waiting(ctx)
    assert not await Deadline.filter(kind__in=[WAITING_NUDGE, WAITING_RESOLVE]).exists()
    await later(ctx, days=30)
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING


async def test_an_auto_resolve_frees_a_slot_and_the_queue_moves(db: str) -> None:
    from core.enums import AssignmentMode, OperatorPresence
    from core.tickets.hand_back import change_presence

    workload = Workload(
        assignment=AssignmentMode.ROUND_ROBIN,
        default_capacity=1,
        nudge_after=timedelta(hours=1),
        auto_resolve_after=timedelta(hours=3),
    )
    ctx = desk(workload)
    assert (await change_presence(IVAN, OperatorPresence.ONLINE, ctx)).result.ok
    first = await write(ctx)
    assert first.assignee_id is not None  # Ivan's one slot
    await workflow.set_status(first.id, IVAN, TicketStatus.WAITING, ctx)
    other = CustomerProfile(Channel.TELEGRAM, 502, "Bob", "", "bob", "en")
    text = Content(MessageKind.TEXT, text="Hi")
    await ingest(InboundMessage(other, 502, next(_ids), ctx.clock.now(), text), ctx)
    queued = await Ticket.get(conversation__chat_id=502)
    assert queued.assignee_id is None  # Ivan is full: a waiting ticket is still his
    await later(ctx, hours=3)
    assert (await Ticket.get(id=first.id)).status == TicketStatus.RESOLVED
    assert (await Ticket.get(id=queued.id)).assignee_id == first.assignee_id
