"""The SLA clocks of a ticket: what starts, stops, pauses and recomputes them.

The rules, as the best helpdesks count (README, "SLA clocks"):

* **first response** runs from the ticket's creation to the first operator reply that
  reaches the customer (a template counts; notes, held replies and the desk's own
  messages do not). A reopened ticket does not start it again.
* **next response** runs from the oldest customer message still unanswered to the next
  operator reply, once the first response has been given (cycle 1, 2 … per ticket).
* **resolution** runs from creation to resolved or closed; it is paused while the ticket
  waits for the customer. A reopened ticket does not start it again.
* Resolving or closing stops the response clocks without an outcome (nothing was owed
  any more). A clock stopped before its due time is a *hit*; a due time that passes is a
  *breach*, stored when it happens. Either is stored once per clock, as an event.
* The targets are copied onto the ticket when applied (creation, priority change); a
  priority change recomputes the running clocks from their original start.

Every function works inside the caller's transaction and takes the ticket row and the
moment; the ticket object is kept in step with what is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import EventKind, SlaClock, TicketPriority, TicketStatus
from core.models import Ticket, TicketClock
from core.timers import measures
from core.timers.sla_deadlines import (
    SLA_BREACH,
    SLA_WARNING,
    arm_new,
    fire,
    most_urgent,
    past_due,
    record_event,
    running_clocks,
)
from core.timers.sla_math import copied_targets, target_of
from core.timers.sla_steps import (
    answered,
    apply_targets,
    create_clock,
    iso,
    pause_clock,
    resume_clock,
    retarget_clock,
    start_clock,
    stop_clock,
)
from core.timers.waiting import waiting_changed

__all__ = [
    "SLA_BREACH",
    "SLA_WARNING",
    "customer_wrote",
    "fire",
    "most_urgent",
    "new_ticket_fields",
    "operator_replied",
    "past_due",
    "priority_changed",
    "running_clocks",
    "start_clocks",
    "status_changed",
]

RESPONSE_CLOCKS = (SlaClock.FIRST_RESPONSE, SlaClock.NEXT_RESPONSE)
RES = SlaClock.RESOLUTION
ENDED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


async def start_clocks(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, now: datetime
) -> None:
    """A new ticket: copy its priority's targets onto it, start first response and resolution.

    Without a first-response target, next response starts instead (cycle 1): the
    customer's first message waits for a reply all the same. The ticket's creation may
    have copied the targets already (:func:`new_ticket_fields`), saving a write.
    """
    await apply_targets(connection, ctx, ticket)
    first = SlaClock.FIRST_RESPONSE
    if target_of(ticket.sla_targets, first) is None:
        first = SlaClock.NEXT_RESPONSE
    started = [await create_clock(connection, ctx, ticket, kind, 1, now) for kind in (first, RES)]
    await arm_new(connection, [clock for clock in started if clock is not None], now)


def new_ticket_fields(ctx: DeskContext, now: datetime) -> dict[str, Any]:
    """SLA fields of a ticket created by a customer's message at ``now`` (default priority).

    Its targets are copied and its first message waits for a reply; pass them to
    ``Ticket.create`` and call :func:`start_clocks` after.
    """
    default = TicketPriority.NORMAL  # a new ticket's, as core.models.Ticket says
    return {"sla_targets": copied_targets(ctx.sla, default), "awaiting_reply_since": now}


async def customer_wrote(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> bool:
    """A customer message joined ``ticket``: it waits for a reply, maybe arming next response.

    True when a clock started (the card has a new countdown to show).

    Only the oldest unanswered message counts: while one waits (``awaiting_reply_since``
    is set) a newer one changes nothing. Next response starts when no response clock
    runs (the first response has been given, or there is none to give). Moving a
    ticket that waits for the customer back to open is the caller's
    (``core.tickets.sla_hooks``), which resumes resolution through :func:`status_changed`.
    """
    if ticket.awaiting_reply_since is not None:
        return False
    ticket.awaiting_reply_since = at
    await Ticket.filter(id=ticket.id).using_db(connection).update(awaiting_reply_since=at)
    if target_of(ticket.sla_targets, SlaClock.NEXT_RESPONSE) is None:
        return False
    clocks = await TicketClock.filter(ticket_id=ticket.id, clock__in=RESPONSE_CLOCKS).using_db(
        connection
    )
    if any(clock.stopped_at is None for clock in clocks):
        return False  # first response still runs, or a next response does
    cycles = [c.cycle for c in clocks if c.clock == SlaClock.NEXT_RESPONSE]
    return await start_clock(
        connection, ctx, ticket, SlaClock.NEXT_RESPONSE, max(cycles, default=0) + 1, at, at
    )


async def operator_replied(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> int:
    """A reply reached (or is on its way to) the customer: stop the response clocks.

    Call it only for replies the customer gets: not for notes, not for a reply held by a
    collision (until Send anyway), never for the desk's own messages. Returns how many
    clocks stopped (the card's countdown changed when any did).
    """
    rows = TicketClock.filter(
        ticket_id=ticket.id, clock__in=RESPONSE_CLOCKS, stopped_at__isnull=True
    )
    stopped = await rows.using_db(connection)
    for clock in stopped:
        await stop_clock(connection, ctx, ticket, clock, at, judge=True)
    await answered(connection, ticket)
    return len(stopped)


async def status_changed(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    old: TicketStatus,
    new: TicketStatus,
    at: datetime,
) -> None:
    """``ticket`` moved from ``old`` to ``new``: pause, resume or stop its clocks.

    To waiting pauses resolution; from waiting resumes it; to resolved or closed stops
    resolution (a hit if in time) and stops the response clocks without an outcome.
    Reopening re-arms nothing: later customer messages arm next response as usual.
    Entering or leaving waiting also arms or cancels the reminder and auto-resolve
    (:mod:`core.timers.waiting`).
    """
    if old == new:
        return
    await measures.status_changed(connection, ctx, ticket, old, new, at)  # for reports
    await waiting_changed(connection, ctx, ticket, old, new, at)  # [waiting] deadlines
    if new in ENDED:
        for clock in await running_clocks(connection, ticket.id):
            judge = clock.clock == SlaClock.RESOLUTION
            await stop_clock(connection, ctx, ticket, clock, at, judge=judge)
        await answered(connection, ticket)  # nothing is owed on an ended ticket
        return
    if new != TicketStatus.WAITING and old != TicketStatus.WAITING:
        return
    for clock in await running_clocks(connection, ticket.id):
        if clock.clock != SlaClock.RESOLUTION:
            continue
        if new == TicketStatus.WAITING:
            await pause_clock(connection, ctx, clock, at)
        else:
            await resume_clock(connection, ctx, clock, at)


async def priority_changed(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    old: TicketPriority,
    new: TicketPriority,
    at: datetime,
) -> None:
    """Apply ``new``'s targets to ``ticket`` and recompute its running clocks.

    Each clock keeps its original start (resolution also keeps its paused time out) and
    gets the new target; a due time already past is breached at once (its deadline is
    set to ``at``). Clocks with an outcome keep it and are left as they are; a clock the
    new priority has no target for stops without one. One ``SLA_RECOMPUTED`` event says
    what moved.
    """
    await apply_targets(connection, ctx, ticket, priority=new)
    moved: list[dict[str, Any]] = []
    for clock in await running_clocks(connection, ticket.id):
        if clock.outcome is not None:
            continue
        old_due = clock.due_at
        await retarget_clock(connection, ctx, ticket, clock, at)
        moved.append(
            {
                "clock": clock.clock.value,
                "cycle": clock.cycle,
                "old_due": iso(old_due),
                "new_due": iso(clock.due_at if clock.stopped_at is None else None),
            }
        )
    for clock in await _start_owed(connection, ctx, ticket, at):
        due = clock.due_at
        moved.append(
            {"clock": clock.clock.value, "cycle": clock.cycle, "old_due": None, "new_due": iso(due)}
        )
    data = {"old": old.value, "new": new.value, "clocks": moved}
    await record_event(connection, ticket, EventKind.SLA_RECOMPUTED, data, at)


async def _start_owed(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> list[TicketClock]:
    """Start what the ticket's new targets owe and the old ones never started.

    A ticket waiting for a reply with no response clock running gets first response from
    its opening if it was never answered (next response from the oldest unanswered
    message otherwise, or with no first-response target); a ticket that never had a
    resolution clock gets one from its opening (paused at once while it waits for the
    customer). A due time already past is breached at once, as after any recompute.
    """
    if ticket.status in ENDED:
        return []
    clocks = await TicketClock.filter(ticket_id=ticket.id).using_db(connection)
    started: list[TicketClock | None] = []
    waited = ticket.awaiting_reply_since
    if waited is not None and not any(
        clock.clock in RESPONSE_CLOCKS and clock.stopped_at is None for clock in clocks
    ):
        first = SlaClock.FIRST_RESPONSE
        unanswered = ticket.first_response_at is None and all(c.clock != first for c in clocks)
        if unanswered and target_of(ticket.sla_targets, first) is not None:
            started.append(await create_clock(connection, ctx, ticket, first, 1, ticket.opened_at))
        else:
            cycles = [c.cycle for c in clocks if c.clock == SlaClock.NEXT_RESPONSE]
            cycle = max(cycles, default=0) + 1
            kind = SlaClock.NEXT_RESPONSE
            started.append(await create_clock(connection, ctx, ticket, kind, cycle, waited))
    if all(clock.clock != RES for clock in clocks):
        resolution = await create_clock(connection, ctx, ticket, RES, 1, ticket.opened_at)
        if resolution is not None and ticket.status == TicketStatus.WAITING:
            await pause_clock(connection, ctx, resolution, at)
        started.append(resolution)
    new = [clock for clock in started if clock is not None]
    await arm_new(connection, new, at)
    return new
