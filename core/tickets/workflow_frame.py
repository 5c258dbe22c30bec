"""The frame every workflow use case of :mod:`core.workflow` runs in.

:func:`run_change` registers the acting operator, finds the ticket, checks that the
request came from the ticket's own card in its own topic and that the ticket is not
closed (closed is final), runs the change and, if it changed anything, queues the card
refresh and topic rename and wakes the outbox. Refusals are recorded through
:func:`core.operators.refuse`. The results and reasons are shared by all use cases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile, TicketCard
from core.enums import EventKind, OperatorRole, TicketStatus
from core.messaging.usecase import atomically
from core.models import Conversation, Operator, Ticket
from core.staff.events import record
from core.staff.operators import refuse, upsert_operator
from core.staff.permissions import Action, needed_role
from core.tickets.card_refresh import queue_refresh


class Problem(StrEnum):
    """Why a workflow request changed nothing (handlers map each to a short alert)."""

    NOT_ALLOWED = "not_allowed"
    NO_TICKET = "no_ticket"
    WRONG_CARD = "wrong_card"
    CLOSED = "closed"
    TAKEN = "taken"
    UNKNOWN_OPERATOR = "unknown_operator"
    UNKNOWN_TAG = "unknown_tag"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a button was pressed: the topic thread and the message (the card)."""

    thread_id: int | None
    message_id: int


@dataclass(frozen=True, slots=True)
class WorkflowResult:
    """What a request did: ``changed`` the ticket, or nothing (``problem`` says why).

    ``assignee`` is the owner's name after the request (for ``TAKEN``: who owns it);
    ``card`` is the ticket's card as it is now (for menus drawn from the current state)
    and ``may`` what the actor may do on it (menus offer only that); for ``NOT_ALLOWED``,
    ``needed`` is the least role that would have been allowed.
    """

    number: int
    problem: Problem | None = None
    changed: bool = False
    assignee: str | None = None
    card: TicketCard | None = None
    may: frozenset[Action] = frozenset()
    needed: OperatorRole | None = None

    @property
    def ok(self) -> bool:
        """True unless the request was refused."""
        return self.problem is None


Change = Callable[[BaseDBAsyncClient, Ticket, Operator, datetime], Awaitable[WorkflowResult]]


def owns(ticket: Ticket, operator: Operator) -> bool:
    return ticket.assignee_id is None or ticket.assignee_id == operator.id


async def denied(
    connection: BaseDBAsyncClient,
    operator: Operator,
    action: Action,
    ticket_id: int,
    now: datetime,
    problem: Problem = Problem.NOT_ALLOWED,
) -> WorkflowResult:
    details = {"ticket": ticket_id, "problem": str(problem)}
    await refuse(connection, operator, action, now, details=details)
    needed = None
    if problem is Problem.NOT_ALLOWED:
        needed = needed_role(OperatorRole(operator.role), action)
    return WorkflowResult(ticket_id, problem=problem, needed=needed)


async def from_card(connection: BaseDBAsyncClient, ticket: Ticket, origin: Origin) -> bool:
    if ticket.card_message_id is None or int(ticket.card_message_id) != origin.message_id:
        return False
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    return bool(conversation.message_thread_id == origin.thread_id)


async def run_change(
    number: int,
    actor: OperatorProfile,
    action: Action,
    change: Change,
    ctx: DeskContext,
    *,
    origin: Origin | None,
    admins: Collection[int],
) -> WorkflowResult:
    """The shared frame: register the actor, find and vet the ticket, change, refresh."""

    async def work(connection: BaseDBAsyncClient) -> WorkflowResult:
        now = ctx.clock.now()
        me = await upsert_operator(connection, actor, now, admins=admins)
        ticket = await Ticket.filter(id=number).using_db(connection).first()
        if ticket is None:
            return await denied(connection, me, action, number, now, Problem.NO_TICKET)
        if origin is not None and not await from_card(connection, ticket, origin):
            return await denied(connection, me, action, number, now, Problem.WRONG_CARD)
        if ticket.status == TicketStatus.CLOSED:
            return WorkflowResult(number, problem=Problem.CLOSED)
        result = await change(connection, ticket, me, now)
        if result.changed:
            await queue_refresh(connection, ctx, ticket)
        return result

    result = await atomically(work)
    if result.changed:
        ctx.wake()
    return result


async def name_of(connection: BaseDBAsyncClient, operator_id: int | None) -> str | None:
    if operator_id is None:
        return None
    operator = await Operator.filter(id=operator_id).using_db(connection).first()
    return operator.name if operator else None


async def telegram_id_of(connection: BaseDBAsyncClient, operator_id: int | None) -> int | None:
    if operator_id is None:
        return None
    operator = await Operator.filter(id=operator_id).using_db(connection).first()
    return operator.telegram_id if operator else None


async def change_ticket(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    actor: Operator,
    now: datetime,
    *,
    kind: EventKind,
    data: dict[str, object],
    **fields: object,
) -> None:
    """Write ``fields`` to the ticket (row and object) and record the event for it."""
    await Ticket.filter(id=ticket.id).using_db(connection).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    await record(connection, kind=kind, ticket_id=ticket.id, actor_id=actor.id, data=data, now=now)


async def assign_to(
    connection: BaseDBAsyncClient, ticket: Ticket, actor: Operator, target: Operator, now: datetime
) -> None:
    """Make ``target`` the owner (already written or not), open a new ticket, record it."""
    previous = await telegram_id_of(connection, ticket.assignee_id)
    ticket.assignee_id = target.id
    data = {"operator": target.telegram_id, "previous": previous}
    await record(
        connection,
        kind=EventKind.ASSIGNED,
        ticket_id=ticket.id,
        actor_id=actor.id,
        data=data,
        now=now,
    )
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
        await Ticket.filter(id=ticket.id).using_db(connection).update(status=TicketStatus.OPEN)
        data = {"old": str(TicketStatus.NEW), "new": str(TicketStatus.OPEN)}
        await record(
            connection,
            kind=EventKind.STATUS,
            ticket_id=ticket.id,
            actor_id=actor.id,
            data=data,
            now=now,
        )
