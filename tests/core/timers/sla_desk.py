"""A desk for SLA clock tests: a frozen clock, policies in minutes, and people who act.

Everything goes through the real use cases (ingest, replies, templates, the workflow,
Send anyway); :meth:`SlaDesk.fire_due` does what the scheduler does with SLA deadlines
(claim the due ones, hand each to ``fire`` and mark it fired) in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core.business_calendar import BusinessCalendar
from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import (
    Content,
    CustomerProfile,
    InboundMessage,
    OperatorMessage,
    OperatorProfile,
    SlaAlarm,
)
from core.enums import Channel, MessageKind, SlaClock, TicketPriority, TicketStatus
from core.models import Conversation, Deadline, Event, Ticket, TicketClock
from core.relay.ingest import ingest
from core.relay.replies import handle_operator_message
from core.sla_policies import SlaPolicies, SlaPolicy
from core.tickets import workflow
from core.timers import sla

GROUP = -1001234567890
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
IVAN = OperatorProfile(2, "Ivan Agent", "ivan")
PETR = OperatorProfile(3, "Petr Agent", "petr")
BOSS = OperatorProfile(1, "Olga Boss", "olga")

#: round-the-clock targets small enough to read: normal 60/30/240 min, urgent 15/10/60
POLICIES = SlaPolicies(
    {
        TicketPriority.NORMAL: SlaPolicy(
            TicketPriority.NORMAL,
            first_response=timedelta(minutes=60),
            next_response=timedelta(minutes=30),
            resolution=timedelta(minutes=240),
            business_hours=False,
        ),
        TicketPriority.URGENT: SlaPolicy(
            TicketPriority.URGENT,
            first_response=timedelta(minutes=15),
            next_response=timedelta(minutes=10),
            resolution=timedelta(minutes=60),
            business_hours=False,
        ),
    },
    warn_before=timedelta(minutes=5),
)


@dataclass
class SlaDesk:
    """One customer (chat ``user``) in one topic (``thread``), and the desk's clock."""

    policies: SlaPolicies = POLICIES
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar.from_text)
    start: datetime = MONDAY
    user: int = 700
    thread: int = 740
    clock: FrozenClock = field(init=False)
    ctx: DeskContext = field(init=False)
    _ids: int = 0

    def __post_init__(self) -> None:
        self.clock = FrozenClock(self.start)
        self.ctx = DeskContext(
            group_chat_id=GROUP, clock=self.clock, sla=self.policies, calendar=self.calendar
        )

    def with_policies(self, policies: SlaPolicies) -> None:
        """From now on the desk runs with ``policies`` (a changed botdesk.toml)."""
        self.ctx = replace(self.ctx, sla=policies)

    def advance(self, **delta: float) -> datetime:
        """Move the clock on; return the new now."""
        self.clock.advance(**delta)
        return self.clock.now()

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    async def customer_writes(self, text: str = "hello") -> Ticket:
        """The customer sends ``text``; return their newest ticket."""
        profile = CustomerProfile(Channel.TELEGRAM, self.user, "Alice", "Smith", "alice", "en")
        content = Content(MessageKind.TEXT, text=text)
        message = InboundMessage(profile, self.user, self._next_id(), self.clock.now(), content)
        await ingest(message, self.ctx)
        conversation = await Conversation.get(chat_id=self.user)
        if conversation.message_thread_id is None:
            await Conversation.filter(id=conversation.id).update(message_thread_id=self.thread)
        return await self.ticket()

    async def ticket(self) -> Ticket:
        """The newest ticket of the customer's conversation, as stored."""
        conversation = await Conversation.get(chat_id=self.user)
        newest = await Ticket.filter(conversation_id=conversation.id).order_by("-id").first()
        assert newest is not None
        return newest

    async def operator_writes(self, text: str, who: OperatorProfile = IVAN) -> None:
        """``who`` writes ``text`` in the topic (a reply, or a note with ``//``)."""
        message = OperatorMessage(
            operator=who,
            thread_id=self.thread,
            message_id=1000 + self._next_id(),
            sent_at=self.clock.now(),
            content=Content(MessageKind.TEXT, text=text),
        )
        await handle_operator_message(message, self.ctx)

    async def set_status(self, status: TicketStatus, who: OperatorProfile = IVAN) -> None:
        """``who`` sets the ticket's status through the workflow (it must succeed)."""
        ticket = await self.ticket()
        assert (await workflow.set_status(ticket.number, who, status, self.ctx)).ok

    async def set_priority(self, priority: TicketPriority, who: OperatorProfile = IVAN) -> None:
        """``who`` sets the ticket's priority through the workflow (it must succeed)."""
        ticket = await self.ticket()
        assert (await workflow.set_priority(ticket.number, who, priority, self.ctx)).changed

    async def fire_due(self) -> list[SlaAlarm]:
        """What the scheduler does now: fire every due SLA deadline once, in due order."""
        now = self.clock.now()
        alarms = []
        async with in_transaction() as connection:
            due = Deadline.filter(fired_at__isnull=True, due_at__lte=now)
            for deadline in await due.using_db(connection).order_by("due_at", "id"):
                alarm = await sla.fire(connection, deadline, now)
                deadline.fired_at = now
                await deadline.save(using_db=connection, update_fields=["fired_at"])
                if alarm is not None:
                    alarms.append(alarm)
        return alarms


async def clock_of(ticket: Ticket, kind: SlaClock, cycle: int = 1) -> TicketClock:
    """The stored clock ``kind`` (``cycle``) of ``ticket``."""
    return await TicketClock.get(ticket_id=ticket.id, clock=kind, cycle=cycle)


async def sla_events(ticket: Ticket) -> list[tuple[str, dict[str, Any]]]:
    """Kind and data of the ticket's SLA events, oldest first."""
    rows = await Event.filter(ticket_id=ticket.id, kind__startswith="sla_").order_by("id")
    return [(str(e.kind), dict(e.data)) for e in rows]


async def pending_deadlines() -> dict[str, datetime]:
    """Key → due time of every SLA deadline that has not fired."""
    rows = await Deadline.filter(fired_at__isnull=True, key__startswith="sla:")
    return {row.key: row.due_at for row in rows}


def key(ticket: Ticket, kind: SlaClock, stage: str, cycle: int = 1) -> str:
    """The deadline key of a clock's stage."""
    return f"sla:{ticket.id}:{kind.value}:{cycle}:{stage}"


def utc(*args: int) -> datetime:
    """A UTC moment."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
