"""Auto-assignment: who gets a ticket nobody has to tap Take for (``ASSIGNMENT``).

An operator is *eligible* when they are online, their role may take tickets and their
active tickets (new, open or waiting, assigned to them) are fewer than their capacity
(their own, else ``DEFAULT_CAPACITY``). Among the eligible, those who list the customer's
language come first when there is one. ``round_robin`` picks the one assigned least
recently (never first, then by id); ``least_loaded`` the one with the fewest active
tickets, ties to the one assigned least recently. Nobody eligible: the ticket stays
unassigned, in the queue, until :func:`drain_queue` hands it out.

Choosing and writing happen in one transaction that first takes :func:`serialize`'s lock,
so racing assignments never both see the same free slot. Every automatic assignment is an
``ASSIGNED`` event with ``actor_label`` ``desk`` and the data of a manual one; a ``new``
ticket opens, as it does when someone takes it; the card and topic title are refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.enums import (
    ACTIVE_TICKET_STATUSES,
    AssignmentMode,
    EventKind,
    OperatorPresence,
    OperatorRole,
    TicketPriority,
    TicketStatus,
)
from core.i18n import language_tag
from core.models import Conversation, Operator, Ticket
from core.staff.capacity import capacity_of, loads
from core.staff.events import DESK, record
from core.staff.permissions import Action, allowed
from core.tickets.card_refresh import queue_refresh
from core.tickets.reopening import Route
from core.timers import reassign

log = logging.getLogger(__name__)

#: The PostgreSQL advisory lock that serializes auto-assignment across instances.
ASSIGNMENT_LOCK = 0x626F7464  # "botd"
#: Most urgent first when the queue is handed out.
URGENCY = {
    TicketPriority.URGENT: 0,
    TicketPriority.HIGH: 1,
    TicketPriority.NORMAL: 2,
    TicketPriority.LOW: 3,
}
#: The routes of a customer message that open a ticket (an unhappy rating reopens one).
OPENING = (Route.NEW, Route.REOPENED, Route.LOW_RATING)
# Two assignments in one clock tick must still be ordered for round robin.
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An online operator as auto-assignment weighs them."""

    id: int
    telegram_id: int
    name: str
    active: int
    capacity: int
    languages: tuple[str, ...]
    last_assigned_at: datetime | None

    @property
    def has_slot(self) -> bool:
        """May auto-assignment give them one more ticket?"""
        return self.active < self.capacity


def choose(
    candidates: Sequence[Candidate],
    mode: AssignmentMode,
    language: str = "",
    *,
    exclude: Collection[int] = (),
) -> Candidate | None:
    """The operator ``mode`` gives the next ticket to, or None (nobody has a slot).

    ``language`` is the customer's: those who list it are preferred when one of them is
    eligible. ``exclude`` holds operator row ids never to pick (the one handing back).
    """
    eligible = [c for c in candidates if c.has_slot and c.id not in exclude]
    speakers = [c for c in eligible if language and language in c.languages]
    pool = speakers or eligible
    if not pool:
        return None

    def recency(c: Candidate) -> tuple[bool, datetime | None, int]:
        # never assigned comes first; a None time is never compared (the flag decides)
        return (c.last_assigned_at is not None, c.last_assigned_at, c.id)

    if mode is AssignmentMode.LEAST_LOADED:
        return min(pool, key=lambda c: (c.active, *recency(c)))
    return min(pool, key=recency)


async def serialize(connection: BaseDBAsyncClient) -> None:
    """Hold the assignment lock until the transaction ends (PostgreSQL).

    SQLite has one writer at a time already, and the desk one process on it.
    """
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [ASSIGNMENT_LOCK])


async def candidates(connection: BaseDBAsyncClient, ctx: DeskContext) -> list[Candidate]:
    """Every online operator whose role may take tickets, with their load and capacity."""
    rows = await Operator.filter(presence=OperatorPresence.ONLINE).using_db(connection)
    rows = [r for r in rows if allowed(OperatorRole(r.role), Action.TAKE)]
    active = await loads(connection, (r.id for r in rows))
    return [
        Candidate(
            id=r.id,
            telegram_id=r.telegram_id,
            name=r.name,
            active=active.get(r.id, 0),
            capacity=capacity_of(r, ctx.workload.default_capacity),
            languages=tuple(r.languages or ()),
            last_assigned_at=r.last_assigned_at,
        )
        for r in rows
    ]


async def customer_language(connection: BaseDBAsyncClient, ticket: Ticket) -> str:
    """The base language of the customer of ``ticket`` ("" if unknown)."""
    rows = await (
        Conversation.filter(id=ticket.conversation_id)
        .using_db(connection)
        .values_list("customer__language", flat=True)
    )
    return language_tag(str(rows[0])) if rows else ""


def stamp(now: datetime, pool: Sequence[Candidate]) -> datetime:
    """The ``last_assigned_at`` of an assignment at ``now``: later than every earlier one."""
    latest = max((c.last_assigned_at for c in pool if c.last_assigned_at), default=None)
    return now if latest is None or latest < now else latest + _TICK


async def give(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    chosen: Candidate,
    pool: Sequence[Candidate],
    now: datetime,
) -> None:
    """Write ``chosen`` as the owner of ``ticket`` (by the desk), record it, refresh the card."""
    previous = ticket.assignee_id
    fields: dict[str, object] = {"assignee_id": chosen.id, "assigned_at": now}
    opens = ticket.status == TicketStatus.NEW  # given for the first time: it opens
    if opens:
        fields["status"] = TicketStatus.OPEN
    await Ticket.filter(id=ticket.id).using_db(connection).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    await (
        Operator.filter(id=chosen.id).using_db(connection).update(last_assigned_at=stamp(now, pool))
    )
    before = await Operator.filter(id=previous).using_db(connection).first() if previous else None
    data = {"operator": chosen.telegram_id, "previous": before.telegram_id if before else None}
    await _by_desk(connection, ticket, EventKind.ASSIGNED, data, now)
    if opens:
        status: dict[str, object] = {"old": str(TicketStatus.NEW), "new": str(TicketStatus.OPEN)}
        await _by_desk(connection, ticket, EventKind.STATUS, status, now)
    await reassign.arm(connection, ticket.id, chosen.id, now, ctx.workload.reassign_after)
    await queue_refresh(connection, ctx, ticket)
    log.info("ticket #%s assigned to operator %s by the desk", ticket.id, chosen.telegram_id)


async def _by_desk(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    kind: EventKind,
    data: dict[str, object],
    now: datetime,
) -> None:
    await record(connection, kind=kind, ticket_id=ticket.id, actor_label=DESK, data=data, now=now)


async def assign_next(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    *,
    exclude: Collection[int] = (),
) -> Candidate | None:
    """Give ``ticket`` to the next eligible operator (not one in ``exclude``); who, or None.

    The caller's transaction must hold :func:`serialize`'s lock.
    """
    pool = await candidates(connection, ctx)
    language = await customer_language(connection, ticket)
    chosen = choose(pool, ctx.workload.assignment, language, exclude=exclude)
    if chosen is not None:
        await give(connection, ctx, ticket, chosen, pool, ctx.clock.now())
    return chosen


async def assign_new(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket_id: int | None, route: Route | None
) -> str | None:
    """In ingest's transaction: give a ticket just opened (or reopened) an owner.

    Does nothing for a message on a ticket already going (``route``), when ``ASSIGNMENT`` is
    off, or when the ticket has an owner already (an automation rule's choice wins).
    Returns the owner's name, or None (it waits in the queue).
    """
    if ticket_id is None or route not in OPENING or not ctx.workload.assigns:
        return None
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first()
    if ticket is None or ticket.assignee_id is not None:
        return None
    if ticket.status not in ACTIVE_TICKET_STATUSES:
        return None
    await serialize(connection)
    chosen = await assign_next(connection, ctx, ticket)
    return chosen.name if chosen else None


async def queued(connection: BaseDBAsyncClient, limit: int) -> list[Ticket]:
    """The queue: active tickets without an owner, most urgent first, then oldest."""
    rows: list[Ticket] = []
    # one bounded select per priority, most urgent first: a long queue is never read whole
    for priority in sorted(URGENCY, key=URGENCY.__getitem__):
        if len(rows) >= limit:
            break
        rows += (
            await Ticket.filter(
                assignee_id__isnull=True, status__in=ACTIVE_TICKET_STATUSES, priority=priority
            )
            .using_db(connection)
            .order_by("opened_at", "id")
            .limit(limit - len(rows))
        )
    return rows


async def drain_queue(ctx: DeskContext, *, batch: int = 50) -> list[tuple[int, Candidate]]:
    """Hand queued tickets out while an eligible operator has a slot; which went to whom.

    Runs after a commit that may have freed a slot or added an operator (someone came
    online, a ticket ended or lost its owner, a capacity grew), in transactions of its own
    of at most ``batch`` tickets each.
    """
    given: list[tuple[int, Candidate]] = []
    if not ctx.workload.assigns:
        return given
    while True:
        async with in_transaction() as connection:
            gave = await drain_in(connection, ctx, batch=batch)
        given += gave
        if len(gave) < batch:
            break
    if given:
        ctx.wake()
    return given


async def drain_in(
    connection: BaseDBAsyncClient, ctx: DeskContext, *, batch: int = 50
) -> list[tuple[int, Candidate]]:
    """In the caller's transaction: hand out up to ``batch`` queued tickets; which to whom.

    For a change made inside a transaction that frees a slot on its own (the desk's
    auto-resolve), where no commit hook follows.
    """
    given: list[tuple[int, Candidate]] = []
    if not ctx.workload.assigns:
        return given
    await serialize(connection)
    for ticket in await queued(connection, batch):
        chosen = await assign_next(connection, ctx, ticket)
        if chosen is None:
            break  # a language only prefers: nobody chosen means nobody has a slot
        given.append((ticket.id, chosen))
    return given
