"""Workflow changes the desk makes on its own: by an automation rule, or by a timer.

The same changes as an operator's (:mod:`core.tickets.workflow`) with the same side
effects — SLA clocks told, the rating request on resolve, events in the log — but no
operator acts: each event carries ``actor_label`` instead (``"desk"`` or
``"rule:<name>"``, see :mod:`core.staff.events`). Every function works inside the caller's
transaction, keeps the ticket object in step and returns whether anything changed; the
caller queues one card refresh (:func:`core.tickets.card_refresh.queue_refresh`) at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import EventKind, TicketPriority, TicketStatus
from core.models import Operator, Tag, Ticket
from core.staff.events import record
from core.staff.operators import telegram_id_of
from core.tickets.csat import queue_rating_request
from core.timers import sla

#: The moment a status is reached, kept on the ticket (as the operator's workflow does).
_STAMPS = {TicketStatus.RESOLVED: "resolved_at", TicketStatus.CLOSED: "closed_at"}


async def change_as(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    label: str | None,
    now: datetime,
    *,
    kind: EventKind,
    data: dict[str, object],
    **fields: object,
) -> None:
    """Write ``fields`` to the ticket and record event ``kind`` by the automatic ``label``."""
    if fields:
        await Ticket.filter(id=ticket.id).using_db(connection).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    await record(
        connection,
        kind=kind,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        data=data,
        now=now,
        actor_label=label,
    )


async def set_status_as(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    status: TicketStatus,
    label: str | None,
) -> bool:
    """Move ``ticket`` to ``status``: clocks follow, a resolve asks the customer for a rating.

    ``label`` None: the customer moved it (their message on a ticket waiting for them).
    """
    old, now = TicketStatus(ticket.status), ctx.clock.now()
    if old == status:
        return False
    stamp = {_STAMPS[status]: now} if status in _STAMPS else {}
    data: dict[str, object] = {"old": str(old), "new": str(status)}
    await change_as(
        connection, ticket, label, now, kind=EventKind.STATUS, data=data, status=status, **stamp
    )
    await sla.status_changed(connection, ctx, ticket, old, status, now)
    if status == TicketStatus.RESOLVED:
        await queue_rating_request(connection, ctx, ticket)
    return True


async def set_priority_as(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    priority: TicketPriority,
    label: str,
) -> bool:
    """Give ``ticket`` ``priority``; its running SLA clocks are recomputed for the new targets."""
    old, now = TicketPriority(ticket.priority), ctx.clock.now()
    if old == priority:
        return False
    data: dict[str, object] = {"old": str(old), "new": str(priority)}
    await change_as(
        connection, ticket, label, now, kind=EventKind.PRIORITY, data=data, priority=priority
    )
    await sla.priority_changed(connection, ctx, ticket, old, priority, now)
    return True


async def add_tags_as(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, tags: Iterable[str], label: str
) -> bool:
    """Put ``tags`` (checked names) on ``ticket``; a tag not on the list yet joins it."""
    now, changed = ctx.clock.now(), False
    for tag in tags:
        if tag in ticket.tags:
            continue
        # operators then find the tag in the card's menu, as if an admin had added it
        await Tag.get_or_create(name=tag, defaults={"created_at": now}, using_db=connection)
        await change_as(
            connection,
            ticket,
            label,
            now,
            kind=EventKind.TAG_ADDED,
            data={"tag": tag},
            tags=[*ticket.tags, tag],
        )
        changed = True
    return changed


async def assign_as(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, target: Operator, label: str
) -> bool:
    """Make ``target`` the owner of ``ticket``; a new ticket opens, as when an operator takes it."""
    if ticket.assignee_id == target.id:
        return False
    now = ctx.clock.now()
    previous = await telegram_id_of(connection, ticket.assignee_id)
    data: dict[str, object] = {"operator": target.telegram_id, "previous": previous}
    await change_as(
        connection,
        ticket,
        label,
        now,
        kind=EventKind.ASSIGNED,
        data=data,
        assignee_id=target.id,
        assigned_at=now,
    )
    if ticket.status == TicketStatus.NEW:  # taken for the first time: it opens
        await set_status_as(connection, ctx, ticket, TicketStatus.OPEN, label)
    return True
