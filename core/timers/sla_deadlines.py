"""SLA clocks meet the scheduler: their deadlines, their events, and firing them.

Every running clock with a due time has a breach deadline and, until it has warned, a
warning deadline, keyed ``sla:{ticket}:{clock}:{cycle}:warning`` / ``…:breach`` so a clock
never has two of either. When one falls due the scheduler hands it to :func:`fire`, which
checks that it still applies, stores the warning or the breach (once) and returns the
:class:`~core.entities.SlaAlarm` that the notices turn into messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.entities import SlaAlarm
from core.enums import EventKind, SlaOutcome, TicketPriority
from core.models import Deadline, Event, Ticket, TicketClock
from core.timers.deadlines import cancel, schedule

#: the deadline kinds the scheduler hands to :func:`fire`
SLA_WARNING = "sla_warning"
SLA_BREACH = "sla_breach"
WARNING, BREACH = "warning", "breach"  # the stages of an SlaAlarm (and the keys' ends)


def deadline_key(clock: TicketClock, stage: str) -> str:
    """The key of ``clock``'s ``stage`` (``warning`` or ``breach``) deadline."""
    return f"sla:{clock.ticket_id}:{clock.clock.value}:{clock.cycle}:{stage}"


async def arm(
    connection: BaseDBAsyncClient, clock: TicketClock, now: datetime, *, fresh: bool = False
) -> None:
    """Store the deadlines ``clock`` needs as it is now, and drop those it no longer needs.

    A due time already past is scheduled at ``now``: it fires at once. No warning is
    scheduled once the clock has warned or its due time has passed (the breach says it
    all). ``fresh``: a clock just created has nothing to drop.
    """
    payload = {"clock_id": clock.id}
    if clock.stopped_at is not None or clock.due_at is None or clock.outcome is not None:
        if not fresh:
            await disarm(connection, clock)
        return
    await schedule(
        connection, deadline_key(clock, BREACH), SLA_BREACH, max(clock.due_at, now), payload
    )
    if clock.warned_at is None and clock.warn_at is not None and clock.due_at > now:
        warn_at = max(clock.warn_at, now)
        await schedule(connection, deadline_key(clock, WARNING), SLA_WARNING, warn_at, payload)
    elif not fresh:
        await cancel(connection, deadline_key(clock, WARNING))


async def arm_new(
    connection: BaseDBAsyncClient, clocks: Sequence[TicketClock], now: datetime
) -> None:
    """The deadlines of clocks just created, stored in one statement (a new ticket's).

    Their keys are new (a ticket's id is never reused); were one there already, it is
    kept as it is rather than failing the caller's transaction.
    """
    rows = []
    for clock in clocks:
        if clock.due_at is None:
            continue
        payload = {"clock_id": clock.id}
        stages = [(BREACH, SLA_BREACH, max(clock.due_at, now))]
        if clock.warn_at is not None and clock.due_at > now:
            stages.append((WARNING, SLA_WARNING, max(clock.warn_at, now)))
        rows += [
            Deadline(key=deadline_key(clock, stage), kind=kind, due_at=at, payload=payload)
            for stage, kind, at in stages
        ]
    if rows:
        await Deadline.bulk_create(rows, ignore_conflicts=True, using_db=connection)


async def disarm(connection: BaseDBAsyncClient, clock: TicketClock) -> None:
    """Drop ``clock``'s deadlines that have not fired (it stopped or paused)."""
    await cancel(connection, deadline_key(clock, WARNING), deadline_key(clock, BREACH))


def clock_facts(clock: TicketClock) -> dict[str, Any]:
    """What every SLA event says about its clock (JSON: moments as ISO 8601 text)."""
    return {
        "clock": clock.clock.value,
        "cycle": clock.cycle,
        "started_at": _iso(clock.started_at),
        "due_at": _iso(clock.due_at),
        "target_seconds": clock.target_seconds,
        "business_hours": bool(clock.business_hours),
    }


async def record_event(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    kind: EventKind,
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Write one SLA event of ``ticket`` (actor NULL: the desk itself).

    The event log's writer (``core.staff.events``) sits above the timers, so the row is
    written here directly, the same way.
    """
    await Event.create(
        using_db=connection,
        kind=kind,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        actor_id=None,
        data=data,
        created_at=at,
    )


async def fire(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> SlaAlarm | None:
    """Store the warning or breach ``deadline`` stands for; return the alarm to tell people.

    ``None`` when the deadline no longer applies: the clock stopped, is paused, has
    already warned or breached, or its due time moved later (the moved time is in the
    same deadline row, rescheduled). A warning whose due time has passed too is dropped:
    the breach follows at once and says more.
    """
    clock_id = deadline.payload.get("clock_id")
    if not isinstance(clock_id, int):
        return None
    rows = TicketClock.filter(id=clock_id).using_db(connection).select_for_update()
    clock = await rows.first()
    if clock is None or clock.stopped_at is not None or clock.due_at is None:
        return None
    if clock.outcome is not None:
        return None
    ticket = await Ticket.filter(id=clock.ticket_id).using_db(connection).first()
    if ticket is None:
        return None
    if deadline.kind == SLA_WARNING:
        if clock.warned_at is not None or clock.warn_at is None:
            return None
        if clock.warn_at > now or clock.due_at <= now:
            return None
        clock.warned_at = now
        await clock.save(using_db=connection, update_fields=["warned_at"])
        data = {**clock_facts(clock), "warn_at": _iso(clock.warn_at), "warned_at": _iso(now)}
        await record_event(connection, ticket, EventKind.SLA_WARNED, data, now)
        stage = WARNING
    elif deadline.kind == SLA_BREACH:
        if clock.due_at > now:
            return None
        await breach(connection, ticket, clock, now)
        stage = BREACH
    else:
        return None
    return SlaAlarm(
        stage=stage,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        clock=clock.clock,
        cycle=clock.cycle,
        due_at=clock.due_at,
        priority=TicketPriority(ticket.priority),
        assignee_id=ticket.assignee_id,
    )


async def breach(
    connection: BaseDBAsyncClient, ticket: Ticket, clock: TicketClock, at: datetime
) -> None:
    """Mark ``clock`` breached at ``at`` and store its one ``SLA_BREACHED`` event."""
    clock.outcome, clock.breached_at = SlaOutcome.BREACHED, at
    await clock.save(using_db=connection, update_fields=["outcome", "breached_at"])
    data = {**clock_facts(clock), "breached_at": _iso(at)}
    await record_event(connection, ticket, EventKind.SLA_BREACHED, data, at)


async def running_clocks(connection: BaseDBAsyncClient | None, ticket_id: int) -> list[TicketClock]:
    """The clocks of a ticket that have not stopped (paused ones included), oldest first."""
    rows = TicketClock.filter(ticket_id=ticket_id, stopped_at__isnull=True)
    return await rows.using_db(connection).order_by("id")


def most_urgent(clocks: Sequence[TicketClock]) -> TicketClock | None:
    """The clock a card or a list shows: the one due soonest, so a breached one first.

    Stopped and paused clocks (no due time) are skipped. Ordering by due time puts the
    clocks past their due time first, the one overdue longest at the head; a clock counts
    as breached on the card and in lists once its due time has passed, even before the
    scheduler has stored the breach (:func:`past_due`).
    """
    ticking = [c for c in clocks if c.stopped_at is None and c.due_at is not None]
    return min(ticking, key=lambda c: (c.due_at, c.id), default=None)


def past_due(clock: TicketClock, now: datetime) -> bool:
    """Has ``clock``'s due time passed (it runs late, whether or not the breach fired)?"""
    return clock.due_at is not None and clock.due_at <= now


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
