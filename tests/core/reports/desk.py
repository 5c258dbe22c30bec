"""A desk for report tests: several customers on one frozen clock, acting through the use cases.

Customers write through ``ingest``, operators reply through the topic relay and change
statuses through the workflow, so the measures are stored by the real hooks. A rating
is stored as the CSAT use case stores it (the score on the ticket, a ``RATED`` event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.business_calendar import BusinessCalendar
from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorMessage, OperatorProfile
from core.enums import Channel, EventKind, MessageKind, TicketStatus
from core.models import Conversation, Deadline, Ticket
from core.relay.ingest import ingest
from core.relay.replies import handle_operator_message
from core.reports.metrics import Metrics, compute_metrics
from core.reports.period import Period
from core.staff.events import record
from core.tickets import workflow
from core.timers import sla
from tests.core.timers.sla_desk import GROUP, POLICIES

IVAN = OperatorProfile(2, "Ivan Agent", "ivan")
PETR = OperatorProfile(3, "Petr Agent", "petr")
MIN = 60  # seconds


def utc(*args: int) -> datetime:
    """A UTC moment."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class ReportDesk:
    """The desk, its clock, and the customers who wrote (by chat id)."""

    start: datetime
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar.from_text)
    zone: str = "UTC"
    clock: FrozenClock = field(init=False)
    ctx: DeskContext = field(init=False)
    _ids: int = 0

    def __post_init__(self) -> None:
        self.clock = FrozenClock(self.start)
        self.ctx = DeskContext(
            group_chat_id=GROUP,
            clock=self.clock,
            sla=POLICIES,
            calendar=self.calendar,
            timezone=ZoneInfo(self.zone),
        )

    def at(self, moment: datetime) -> None:
        """Move the clock to ``moment`` (never back)."""
        assert moment >= self.clock.now()
        self.clock.advance(seconds=(moment - self.clock.now()).total_seconds())

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    async def customer_writes(
        self, user: int, text: str = "hello", channel: Channel = Channel.TELEGRAM
    ) -> Ticket:
        """Customer ``user`` writes; their topic is thread ``user + 10000``. Their ticket."""
        profile = CustomerProfile(channel, user, f"Customer {user}")
        content = Content(MessageKind.TEXT, text=text)
        inbound = InboundMessage(profile, user, self._next_id(), self.clock.now(), content)
        await ingest(inbound, self.ctx)
        conversation = await Conversation.get(chat_id=user, channel=channel)
        if conversation.message_thread_id is None:
            await Conversation.filter(id=conversation.id).update(message_thread_id=user + 10000)
        return await self.ticket(user, channel)

    async def ticket(self, user: int, channel: Channel = Channel.TELEGRAM) -> Ticket:
        """The newest ticket of customer ``user``."""
        conversation = await Conversation.get(chat_id=user, channel=channel)
        newest = await Ticket.filter(conversation_id=conversation.id).order_by("-id").first()
        assert newest is not None
        return newest

    async def reply(self, user: int, who: OperatorProfile = IVAN, text: str = "on it") -> None:
        """``who`` writes ``text`` in customer ``user``'s topic (``//…``: a note)."""
        message = OperatorMessage(
            operator=who,
            thread_id=user + 10000,
            message_id=100000 + self._next_id(),
            sent_at=self.clock.now(),
            content=Content(MessageKind.TEXT, text=text),
        )
        await handle_operator_message(message, self.ctx)

    async def set_status(
        self, user: int, status: TicketStatus, who: OperatorProfile = IVAN
    ) -> None:
        """``who`` moves customer ``user``'s ticket to ``status`` (it must succeed)."""
        ticket = await self.ticket(user)
        assert (await workflow.set_status(ticket.number, who, status, self.ctx)).ok

    async def rate(self, user: int, score: int, comment: str | None = None) -> None:
        """Customer ``user`` rates their ticket ``score`` (and comments)."""
        ticket = await self.ticket(user)
        await Ticket.filter(id=ticket.id).update(csat_score=score, csat_comment=comment)
        async with in_transaction() as connection:
            await record(
                connection,
                kind=EventKind.RATED,
                ticket_id=ticket.id,
                conversation_id=ticket.conversation_id,
                data={"score": score, "old": None},
                now=self.clock.now(),
            )

    async def fire_due(self) -> None:
        """What the scheduler does now with the due SLA deadlines."""
        now = self.clock.now()
        async with in_transaction() as connection:
            due = Deadline.filter(fired_at__isnull=True, due_at__lte=now)
            for deadline in await due.using_db(connection).order_by("due_at", "id"):
                await sla.fire(connection, deadline, now)
                deadline.fired_at = now
                await deadline.save(using_db=connection, update_fields=["fired_at"])

    async def metrics(self, first: datetime, last: datetime | None = None) -> Metrics:
        """The metrics of the days ``first`` to ``last`` (default: that one day)."""
        zone = ZoneInfo(self.zone)
        period = Period(first.date(), (last or first).date(), zone)
        return await compute_metrics(period, self.ctx)
