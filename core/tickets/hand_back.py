"""What follows a change of who is there: hand back, drain the queue, reassign on silence.

* :func:`change_presence` — ``/online``, ``/away``, ``/offline`` and ``/shift``: set the
  presence (:mod:`core.staff.presence`), then, with ``ASSIGNMENT`` on, coming online drains
  the queue and going away or offline hands the operator's active tickets back
  (:func:`hand_back`).
* :func:`hand_back` — ``HAND_BACK = reassign``: each ticket goes to the next eligible
  operator, else to the queue; ``unassign``: all go to the queue. A notice in each topic
  says what happened; the events are the desk's.
* :func:`change_capacity` — ``/capacity``: a larger capacity may take from the queue.
* :func:`reassign_handlers` — ``REASSIGN_AFTER``: a ticket its assignee has not answered
  in that time moves to the next eligible operator other than them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.durations import human_span
from core.entities import OperatorProfile
from core.enums import ACTIVE_TICKET_STATUSES, EventKind, HandBack, OperatorPresence
from core.i18n import _
from core.messaging.usecase import notice_text, post_notice
from core.models import Deadline, Operator, Ticket
from core.staff.capacity import set_capacity
from core.staff.events import DESK, record
from core.staff.operators import TeamResult
from core.staff.presence import Follow, PresenceResult, set_presence
from core.tickets.assignment import assign_next, drain_queue, serialize
from core.tickets.card_refresh import queue_refresh
from core.timers import reassign
from core.timers.scheduler import Handler

log = logging.getLogger(__name__)

WENT = {
    OperatorPresence.AWAY: _("{operator} went away"),
    OperatorPresence.OFFLINE: _("{operator} went offline"),
}
MOVED = _("↪️ {why}: #{number} now goes to {assignee}.")
QUEUED = _("↩️ {why}: #{number} is back in the queue for anyone to take.")
SILENT = _("{operator} has not answered in {after}")
STAYS = _("⏰ {why}; nobody else is free, so #{number} stays with them.")


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """What ``/online`` and the like did: the presence, and the tickets that moved."""

    result: PresenceResult
    handed_back: int = 0  # their tickets that went to someone else or the queue
    assigned: int = 0  # queued tickets given to them on coming online


async def change_presence(
    me: OperatorProfile,
    presence: OperatorPresence,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> PresenceChange:
    """Set ``me``'s presence, then drain the queue or hand their tickets back."""
    result = await set_presence(me, presence, ctx, admins=admins)
    if not result.ok or result.operator_id is None or not ctx.workload.assigns:
        return PresenceChange(result)
    if result.follow is Follow.DRAIN:
        drained = await drain_queue(ctx)
        mine = sum(1 for _ticket, chosen in drained if chosen.id == result.operator_id)
        return PresenceChange(result, assigned=mine)
    if result.follow is Follow.HAND_BACK:
        return PresenceChange(result, handed_back=await hand_back(ctx, result.operator_id))
    return PresenceChange(result)


async def change_capacity(
    actor: OperatorProfile,
    target: str,
    capacity: int,
    ctx: DeskContext,
    *,
    admins: Collection[int] = (),
) -> TeamResult:
    """``/capacity``: set it (:func:`core.staff.capacity.set_capacity`), then drain the queue."""
    result = await set_capacity(actor, target, capacity, ctx, admins=admins)
    if result.ok:
        await drain_queue(ctx)
    return result


async def hand_back(ctx: DeskContext, operator_id: int) -> int:
    """Hand the active tickets of operator ``operator_id`` back (``HAND_BACK``); how many."""
    async with in_transaction() as connection:
        await serialize(connection)
        operator = await Operator.filter(id=operator_id).using_db(connection).first()
        if operator is None:
            return 0
        tickets = await (
            Ticket.filter(assignee_id=operator_id, status__in=ACTIVE_TICKET_STATUSES)
            .using_db(connection)
            .order_by("id")
        )
        presence = OperatorPresence(operator.presence)
        went = WENT.get(presence, WENT[OperatorPresence.OFFLINE])
        why = notice_text(ctx, went, operator=operator.name)
        for ticket in tickets:
            await _hand_back_one(connection, ctx, ticket, operator, why)
    if tickets:
        ctx.wake()
        log.info("operator %s handed back %d tickets", operator.telegram_id, len(tickets))
    return len(tickets)


async def _hand_back_one(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, operator: Operator, why: str
) -> None:
    """One ticket of ``operator``: to the next operator (``reassign``) or to the queue."""
    if ctx.workload.hand_back is HandBack.REASSIGN:
        chosen = await assign_next(connection, ctx, ticket, exclude={operator.id})
        if chosen is not None:
            text = notice_text(ctx, MOVED, why=why, number=ticket.id, assignee=chosen.name)
            await post_notice(connection, ctx, ticket.conversation_id, text)
            return
    await unassign_by_desk(connection, ctx, ticket, operator)
    text = notice_text(ctx, QUEUED, why=why, number=ticket.id)
    await post_notice(connection, ctx, ticket.conversation_id, text)


async def unassign_by_desk(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, operator: Operator
) -> None:
    """Leave ``ticket`` without an owner (the queue), as the desk; record it, refresh."""
    now = ctx.clock.now()
    await Ticket.filter(id=ticket.id).using_db(connection).update(assignee_id=None)
    ticket.assignee_id = None
    data = {"operator": operator.telegram_id}
    await record(
        connection,
        kind=EventKind.UNASSIGNED,
        ticket_id=ticket.id,
        actor_label=DESK,
        data=data,
        now=now,
    )
    await reassign.disarm(connection, ticket.id)
    await queue_refresh(connection, ctx, ticket)


def reassign_handlers(ctx: DeskContext) -> dict[str, Handler]:
    """The handler of ``REASSIGN_AFTER`` deadlines, by kind (for the scheduler)."""

    async def handle(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        await reassign_silent(connection, ctx, deadline)

    return {reassign.KIND: handle}


async def reassign_silent(
    connection: BaseDBAsyncClient, ctx: DeskContext, deadline: Deadline
) -> bool:
    """A ``REASSIGN_AFTER`` deadline fell due: move the ticket on if it is still unanswered.

    Stale deadlines (the ticket ended, changed hands or the setting is off now) do
    nothing. Returns whether the ticket moved.
    """
    after = ctx.workload.reassign_after
    ticket_id = int(deadline.payload.get("ticket_id", 0))
    operator_id = int(deadline.payload.get("operator_id", 0))
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first()
    if after is None or not ctx.workload.assigns or ticket is None:
        return False
    if ticket.assignee_id != operator_id or ticket.status not in ACTIVE_TICKET_STATUSES:
        return False
    operator = await Operator.filter(id=operator_id).using_db(connection).get()
    await serialize(connection)
    why = notice_text(ctx, SILENT, operator=operator.name, after=human_span(after, ctx.locale))
    chosen = await assign_next(connection, ctx, ticket, exclude={operator_id})
    if chosen is None:
        text = notice_text(ctx, STAYS, why=why, number=ticket.id)
    else:
        text = notice_text(ctx, MOVED, why=why, number=ticket.id, assignee=chosen.name)
    await post_notice(connection, ctx, ticket.conversation_id, text)
    return chosen is not None
