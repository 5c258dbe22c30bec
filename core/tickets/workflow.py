"""The operator workflow on one ticket: take, assign, status, priority and tags.

Every use case runs in one transaction (:func:`core.workflow_frame.run_change`) that
registers the acting operator, finds the ticket, checks where the request came from
(the ticket's own card in its own topic), checks :func:`core.permissions.allowed` (an
agent changes status, priority and tags only on a ticket they own or that nobody owns),
changes the row, records an event and queues a card refresh and a topic rename
(coalesced per ticket, see :mod:`core.card_refresh`). A refusal changes nothing but is
recorded (:func:`core.operators.refuse`). A closed ticket is final.

Taking is race-safe: the assignee is set by a conditional ``UPDATE … WHERE assignee_id IS
NULL`` and the row count says who won; the loser is told who owns the ticket.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, OperatorRole, TicketPriority, TicketStatus
from core.messaging.views import ticket_card
from core.models import Operator, Tag, Ticket
from core.staff.permissions import Action, allowed, permitted, status_action
from core.tickets.csat import queue_rating_request
from core.tickets.workflow_frame import (
    Origin,
    Problem,
    WorkflowResult,
    assign_to,
    change_ticket,
    denied,
    name_of,
    owns,
    run_change,
    telegram_id_of,
)


async def take(
    number: int,
    actor: OperatorProfile,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """``actor`` takes ticket ``number`` if nobody owns it; else says who does."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        if not allowed(OperatorRole(me.role), Action.TAKE):
            return await denied(connection, me, Action.TAKE, number, now)
        if ticket.assignee_id == me.id:
            return WorkflowResult(number, assignee=me.name)
        won = (
            await Ticket.filter(id=ticket.id, assignee_id__isnull=True)
            .using_db(connection)
            .update(assignee_id=me.id)
        )
        if not won:
            current = await Ticket.filter(id=ticket.id).using_db(connection).get()
            owner = await name_of(connection, current.assignee_id)
            return WorkflowResult(number, problem=Problem.TAKEN, assignee=owner)
        await assign_to(connection, ticket, me, me, now)
        return WorkflowResult(number, changed=True, assignee=me.name)

    return await run_change(number, actor, Action.TAKE, change, ctx, origin=origin, admins=admins)


async def assign(
    number: int,
    actor: OperatorProfile,
    target_telegram_id: int,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """``actor`` (a senior or above) gives ticket ``number`` to another operator."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        if not allowed(OperatorRole(me.role), Action.ASSIGN):
            return await denied(connection, me, Action.ASSIGN, number, now)
        target = await Operator.filter(telegram_id=target_telegram_id).using_db(connection).first()
        if target is None:
            return WorkflowResult(number, problem=Problem.UNKNOWN_OPERATOR)
        if ticket.assignee_id == target.id:
            return WorkflowResult(number, assignee=target.name)
        await Ticket.filter(id=ticket.id).using_db(connection).update(assignee_id=target.id)
        await assign_to(connection, ticket, me, target, now)
        return WorkflowResult(number, changed=True, assignee=target.name)

    return await run_change(number, actor, Action.ASSIGN, change, ctx, origin=origin, admins=admins)


async def unassign(
    number: int,
    actor: OperatorProfile,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """``actor`` (a senior or above) leaves ticket ``number`` without an owner."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        if not allowed(OperatorRole(me.role), Action.UNASSIGN):
            return await denied(connection, me, Action.UNASSIGN, number, now)
        if ticket.assignee_id is None:
            return WorkflowResult(number)
        previous = await telegram_id_of(connection, ticket.assignee_id)
        await change_ticket(
            connection,
            ticket,
            me,
            now,
            kind=EventKind.UNASSIGNED,
            data={"operator": previous},
            assignee_id=None,
        )
        return WorkflowResult(number, changed=True)

    return await run_change(
        number, actor, Action.UNASSIGN, change, ctx, origin=origin, admins=admins
    )


async def set_status(
    number: int,
    actor: OperatorProfile,
    status: TicketStatus,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """Move ticket ``number`` to ``status`` (open, waiting, resolved or closed: final)."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        action = status_action(TicketStatus(ticket.status), status)
        if action is None or not allowed(
            OperatorRole(me.role), action, owns_ticket=owns(ticket, me)
        ):
            return await denied(connection, me, action or Action.CLOSE, number, now)
        old = TicketStatus(ticket.status)
        if old == status:
            return WorkflowResult(number)
        fields: dict[str, object] = {"status": status}
        if status == TicketStatus.RESOLVED:
            fields["resolved_at"] = now
        if status == TicketStatus.CLOSED:
            fields["closed_at"] = now
        data: dict[str, object] = {"old": str(old), "new": str(status)}
        await change_ticket(connection, ticket, me, now, kind=EventKind.STATUS, data=data, **fields)
        if status == TicketStatus.RESOLVED:  # close the loop: ask the customer to rate
            await queue_rating_request(connection, ctx, ticket)
        return WorkflowResult(number, changed=True)

    return await run_change(
        number, actor, Action.SET_WAITING, change, ctx, origin=origin, admins=admins
    )


async def set_priority(
    number: int,
    actor: OperatorProfile,
    priority: TicketPriority,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """Give ticket ``number`` the priority ``priority``."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        role = OperatorRole(me.role)
        if not allowed(role, Action.SET_PRIORITY, owns_ticket=owns(ticket, me)):
            return await denied(connection, me, Action.SET_PRIORITY, number, now)
        old = TicketPriority(ticket.priority)
        if old == priority:
            return WorkflowResult(number)
        data: dict[str, object] = {"old": str(old), "new": str(priority)}
        await change_ticket(
            connection, ticket, me, now, kind=EventKind.PRIORITY, data=data, priority=priority
        )
        return WorkflowResult(number, changed=True)

    return await run_change(
        number, actor, Action.SET_PRIORITY, change, ctx, origin=origin, admins=admins
    )


async def toggle_tag(
    number: int,
    actor: OperatorProfile,
    tag: str,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """Put the tag ``tag`` (one of the ``Tag`` table) on ticket ``number``, or take it off."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        if not allowed(OperatorRole(me.role), Action.TAG, owns_ticket=owns(ticket, me)):
            return await denied(connection, me, Action.TAG, number, now)
        if not await Tag.filter(name=tag).using_db(connection).exists():
            return WorkflowResult(number, problem=Problem.UNKNOWN_TAG)
        tags = list(ticket.tags)
        kind = EventKind.TAG_REMOVED if tag in tags else EventKind.TAG_ADDED
        tags = [t for t in tags if t != tag] if tag in tags else [*tags, tag]
        await change_ticket(connection, ticket, me, now, kind=kind, data={"tag": tag}, tags=tags)
        return WorkflowResult(number, changed=True)

    return await run_change(number, actor, Action.TAG, change, ctx, origin=origin, admins=admins)


async def check(
    number: int,
    actor: OperatorProfile,
    action: Action,
    ctx: DeskContext,
    *,
    origin: Origin | None = None,
    admins: Collection[int] = (),
) -> WorkflowResult:
    """May ``actor`` open a menu for ``action`` on ticket ``number``? Returns its card."""

    async def change(
        connection: BaseDBAsyncClient, ticket: Ticket, me: Operator, now: datetime
    ) -> WorkflowResult:
        role, mine = OperatorRole(me.role), owns(ticket, me)
        if not allowed(role, action, owns_ticket=mine):
            return await denied(connection, me, action, number, now)
        may = permitted(role, owns_ticket=mine)
        return WorkflowResult(number, card=await ticket_card(ticket), may=may)

    return await run_change(number, actor, action, change, ctx, origin=origin, admins=admins)


__all__ = [
    "Origin",
    "Problem",
    "WorkflowResult",
    "assign",
    "check",
    "set_priority",
    "set_status",
    "take",
    "toggle_tag",
    "unassign",
]
