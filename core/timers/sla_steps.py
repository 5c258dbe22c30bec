"""The steps on one SLA clock that :mod:`core.timers.sla` composes into its rules.

Create, stop (judging hit or breach), pause, resume and retarget a clock, with its
deadlines kept in step; each works inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import EventKind, SlaClock, SlaOutcome, TicketPriority
from core.models import Ticket, TicketClock
from core.timers.sla_deadlines import arm, breach, clock_facts, disarm, record_event
from core.timers.sla_math import (
    copied_targets,
    counted,
    dues,
    in_time,
    later,
    paused_seconds,
    target_of,
    used,
)


async def apply_targets(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    *,
    priority: TicketPriority | None = None,
) -> None:
    """Copy the targets of ``priority`` (default: the ticket's) onto ``ticket``, if changed."""
    copied = copied_targets(ctx.sla, priority or TicketPriority(ticket.priority))
    if ticket.sla_targets != copied:
        ticket.sla_targets = copied
        await Ticket.filter(id=ticket.id).using_db(connection).update(sla_targets=copied)


async def start_clock(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    kind: SlaClock,
    cycle: int,
    start: datetime,
    now: datetime,
) -> bool:
    """Start clock ``kind`` (``cycle``) at ``start`` if the ticket has a target for it."""
    clock = await create_clock(connection, ctx, ticket, kind, cycle, start)
    if clock is not None:
        await arm(connection, clock, now, fresh=True)
    return clock is not None


async def create_clock(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    kind: SlaClock,
    cycle: int,
    start: datetime,
) -> TicketClock | None:
    """Store clock ``kind`` (``cycle``) started at ``start``, without its deadlines."""
    target = target_of(ticket.sla_targets, kind)
    if target is None:
        return None
    planned = dues(ctx.calendar, target.business_hours, start, target.seconds, target.warn_seconds)
    return await TicketClock.create(
        using_db=connection,
        ticket_id=ticket.id,
        clock=kind,
        cycle=cycle,
        target_seconds=target.seconds,
        business_hours=target.business_hours,
        warn_seconds=target.warn_seconds,
        started_at=start,
        due_at=planned.due_at,
        warn_at=planned.warn_at,
    )


async def stop_clock(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    clock: TicketClock,
    at: datetime,
    *,
    judge: bool,
) -> None:
    """Stop ``clock`` at ``at``; ``judge``: store its hit (or a breach not yet stored)."""
    if judge and clock.outcome is None:
        if in_time(ctx.calendar, clock, at):
            clock.outcome = SlaOutcome.HIT
            data = {
                **clock_facts(clock),
                "stopped_at": iso(at),
                "used_seconds": round(used(ctx.calendar, clock, at)),
            }
            await record_event(connection, ticket, EventKind.SLA_HIT, data, at)
        else:  # due already, but stopped before its deadline fired: still a breach
            await breach(connection, ticket, clock, at)
    clock.stopped_at = at
    await clock.save(using_db=connection, update_fields=["outcome", "stopped_at"])
    await disarm(connection, clock)


async def pause_clock(
    connection: BaseDBAsyncClient, ctx: DeskContext, clock: TicketClock, at: datetime
) -> None:
    """Pause ``clock``: keep what it counted, drop its due time and its deadlines."""
    if clock.due_at is None:
        return
    clock.spent_seconds = round(used(ctx.calendar, clock, at))
    clock.due_at, clock.warn_at, clock.paused_at = None, None, at
    await clock.save(
        using_db=connection, update_fields=["spent_seconds", "due_at", "warn_at", "paused_at"]
    )
    await disarm(connection, clock)


async def resume_clock(
    connection: BaseDBAsyncClient, ctx: DeskContext, clock: TicketClock, at: datetime
) -> None:
    """Resume a paused ``clock``: due ``at`` plus what remained, counted the clock's way."""
    if clock.due_at is not None:
        return
    remaining = clock.target_seconds - clock.spent_seconds
    planned = dues(ctx.calendar, bool(clock.business_hours), at, remaining, clock.warn_seconds)
    clock.due_at, clock.warn_at, clock.paused_at = planned.due_at, planned.warn_at, None
    await clock.save(using_db=connection, update_fields=["due_at", "warn_at", "paused_at"])
    await arm(connection, clock, at)


async def retarget_clock(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    clock: TicketClock,
    at: datetime,
) -> None:
    """Give a running ``clock`` the ticket's (new) target, due from its original start.

    A response clock never pauses: what it used is all the time since it started,
    counted the new way. Resolution keeps its pauses out: what it used is read from its
    due time the old way, and a due time already past puts that paused time back.
    """
    target = target_of(ticket.sla_targets, clock.clock)
    if target is None:
        await stop_clock(connection, ctx, ticket, clock, at, judge=False)
        return
    calendar, business = ctx.calendar, target.business_hours
    if clock.clock == SlaClock.RESOLUTION:
        spent, paused = used(calendar, clock, at), paused_seconds(calendar, clock, at)
    else:
        spent, paused = counted(calendar, business, clock.started_at, at), 0.0
    clock.target_seconds, clock.business_hours = target.seconds, business
    clock.warn_seconds = target.warn_seconds
    fields = ["target_seconds", "business_hours", "warn_seconds"]
    if clock.due_at is None:  # paused: it resumes with the new target
        clock.spent_seconds = round(spent)
        fields.append("spent_seconds")
    elif spent < target.seconds:
        planned = dues(calendar, business, at, target.seconds - spent, target.warn_seconds)
        clock.due_at, clock.warn_at = planned.due_at, planned.warn_at
        fields += ["due_at", "warn_at"]
    else:  # overdue under the new target: due where it would have been, breached now
        clock.due_at = min(at, later(calendar, business, clock.started_at, target.seconds + paused))
        clock.warn_at = None
        fields += ["due_at", "warn_at"]
    await clock.save(using_db=connection, update_fields=fields)
    await arm(connection, clock, at)


async def answered(connection: BaseDBAsyncClient, ticket: Ticket) -> None:
    """No customer message waits for a reply any more."""
    if ticket.awaiting_reply_since is None:
        return
    ticket.awaiting_reply_since = None
    await Ticket.filter(id=ticket.id).using_db(connection).update(awaiting_reply_since=None)


def iso(at: datetime | None) -> str | None:
    """``at`` as ISO 8601 text for an event's data (``None`` stays ``None``)."""
    return at.isoformat() if at is not None else None
