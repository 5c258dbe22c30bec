"""The frame every workflow use case of :mod:`core.tickets.workflow` runs in.

A use case is a *step* on a :class:`Scene`, made public by :func:`use_case` (or
:func:`bare_use_case` when it takes no value) with the right it needs. The frame
(:meth:`UseCase.__call__`) is the same for all: register the acting operator, find the ticket,
check that the request came from the ticket's own card in its own topic, that the ticket
is not closed (closed is final) and that the operator has the right; run the step; if it
changed anything, queue the card refresh and topic rename and wake the outbox. Refusals
are recorded through :func:`core.staff.operators.refuse`. A step changes the ticket through
:meth:`Scene.edit` or :meth:`Scene.move`, which write the fields and record the event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import update_wrapper
from typing import Generic, TypeVar, overload

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import OperatorProfile, TicketCard
from core.enums import EventKind, OperatorRole, TicketStatus
from core.messaging.usecase import atomically
from core.models import Conversation, Operator, Ticket
from core.staff.events import record
from core.staff.operators import refuse, telegram_id_of, upsert_operator
from core.staff.permissions import Action, allowed, needed_role
from core.tickets.card_refresh import queue_refresh

log = logging.getLogger(__name__)

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Scene:
    """What a step works on: the transaction, the ticket, the acting operator and the time.

    The ticket is not closed, the request came from its card and the operator has
    the right the use case needs: a step decides only what its request changes.
    """

    connection: BaseDBAsyncClient
    ctx: DeskContext
    ticket: Ticket
    me: Operator
    now: datetime
    number: int  # the ticket's: every answer is about it

    @property
    def role(self) -> OperatorRole:
        """The acting operator's role."""
        return OperatorRole(self.me.role)

    @property
    def mine(self) -> bool:
        """Does the acting operator own the ticket (or nobody does)?"""
        return owns(self.ticket, self.me)

    async def edit(
        self, kind: EventKind, data: dict[str, object], **fields: object
    ) -> WorkflowResult:
        """Write ``fields``, record the event ``kind`` with ``data``: the ticket changed."""
        await change_ticket(
            self.connection, self.ticket, self.me, self.now, kind=kind, data=data, **fields
        )
        return WorkflowResult(self.number, changed=True)

    async def move(
        self, kind: EventKind, old: StrEnum, new: StrEnum, **fields: object
    ) -> WorkflowResult:
        """:meth:`edit` a value from ``old`` to ``new``, both in the event; if equal, nothing."""
        if old == new:
            return WorkflowResult(self.number)
        return await self.edit(kind, {"old": str(old), "new": str(new)}, **fields)

    async def give(self, target: Operator) -> WorkflowResult:
        """``target`` owns the ticket now (the row already says so): record it, open it."""
        await assign_to(self.connection, self.ticket, self.me, target, self.now)
        return WorkflowResult(self.number, changed=True, assignee=target.name)


#: A use case's own part: what its request (with its value) does on the scene.
Change = Callable[[Scene, T], Awaitable[WorkflowResult]]
#: What runs after a change committed, in transactions of its own (the queue's drain).
Then = Callable[[DeskContext], Awaitable[object]]
#: The right a request needs on a ticket (None: no right allows it).
Right = Callable[[Ticket, T], Action | None]


class UseCase(Generic[T]):
    """A workflow request with a value, called as ``name(number, actor, value, ctx, …)``.

    ``asked`` names the action refusals before the ticket is vetted are recorded under;
    ``right`` the action the operator must be allowed on this ticket (by default the same).
    """

    def __init__(
        self,
        change: Change[T],
        asked: Callable[[T], Action],
        right: Right[T],
        then: Then | None = None,
    ) -> None:
        self.change, self.asked, self.right, self.then = change, asked, right, then
        update_wrapper(self, change)  # name and docstring of the use case

    async def __call__(
        self,
        number: int,
        actor: OperatorProfile,
        value: T,
        ctx: DeskContext,
        *,
        origin: Origin | None = None,
        admins: Collection[int] = (),
    ) -> WorkflowResult:
        """The frame: register the actor, vet the ticket and the right, change, refresh."""

        async def work(connection: BaseDBAsyncClient) -> WorkflowResult:
            now = ctx.clock.now()
            me = await upsert_operator(connection, actor, now, admins=admins)
            ticket = await Ticket.filter(id=number).using_db(connection).first()
            asked = self.asked(value)
            if ticket is None:
                return await denied(connection, me, asked, number, now, Problem.NO_TICKET)
            if origin is not None and not await from_card(connection, ticket, origin):
                return await denied(connection, me, asked, number, now, Problem.WRONG_CARD)
            if ticket.status == TicketStatus.CLOSED:
                return WorkflowResult(number, problem=Problem.CLOSED)
            scene = Scene(connection, ctx, ticket, me, now, number)
            right = self.right(ticket, value)
            if right is None or not allowed(scene.role, right, owns_ticket=scene.mine):
                # A change no right allows (a status nobody sets) is refused as the strongest.
                return await denied(connection, me, right or Action.CLOSE, number, now)
            result = await self.change(scene, value)
            if result.changed:
                await queue_refresh(connection, ctx, ticket)
            return result

        result = await atomically(work)
        if result.changed:
            ctx.wake()
            await self._follow(ctx)
        return result

    async def _follow(self, ctx: DeskContext) -> None:
        """Run ``then`` after the commit; the change stands even if the follow-up fails."""
        if self.then is None:
            return
        try:
            await self.then(ctx)
        except Exception:  # the next change or presence retries it: the request succeeded
            log.exception("follow-up of %s failed", getattr(self.change, "__name__", "?"))


#: A step of a use case that takes no value.
BareChange = Callable[[Scene], Awaitable[WorkflowResult]]


class BareUseCase:
    """A workflow request without a value, called as ``name(number, actor, ctx, …)``."""

    def __init__(self, step: BareChange, asked: Action, then: Then | None = None) -> None:
        async def change(scene: Scene, _: None) -> WorkflowResult:
            return await step(scene)

        self.inner = UseCase(change, lambda _: asked, lambda _ticket, _value: asked, then)
        update_wrapper(self, step)

    async def __call__(
        self,
        number: int,
        actor: OperatorProfile,
        ctx: DeskContext,
        *,
        origin: Origin | None = None,
        admins: Collection[int] = (),
    ) -> WorkflowResult:
        """``actor`` asks for the use case on ticket ``number``."""
        return await self.inner(number, actor, None, ctx, origin=origin, admins=admins)


@overload
def use_case(asked: Action, *, then: Then | None = None) -> Callable[[Change[T]], UseCase[T]]: ...
@overload
def use_case(
    asked: Action | Callable[[T], Action],
    *,
    right: Right[T] | None = None,
    then: Then | None = None,
) -> Callable[[Change[T]], UseCase[T]]: ...
def use_case(
    asked: Action | Callable[[T], Action],
    *,
    right: Right[T] | None = None,
    then: Then | None = None,
) -> Callable[[Change[T]], UseCase[T]]:
    """Make a step the use case that needs the right ``asked`` (or ``right``, if given).

    ``asked`` may be worked out from the value (a question about a right names it);
    ``then`` runs after a change committed.
    """
    of_value = asked if callable(asked) else lambda _value: asked
    needed: Right[T] = right or (lambda _ticket, value: of_value(value))
    return lambda change: UseCase(change, of_value, needed, then)


def bare_use_case(
    asked: Action, *, then: Then | None = None
) -> Callable[[BareChange], BareUseCase]:
    """Make a step that takes no value the use case that needs the right ``asked``."""
    return lambda step: BareUseCase(step, asked, then)


def owns(ticket: Ticket, operator: Operator) -> bool:
    """Does ``operator`` own ``ticket``, or does nobody?"""
    return ticket.assignee_id is None or ticket.assignee_id == operator.id


async def denied(
    connection: BaseDBAsyncClient,
    operator: Operator,
    action: Action,
    ticket_id: int,
    now: datetime,
    problem: Problem = Problem.NOT_ALLOWED,
) -> WorkflowResult:
    """Record that ``operator`` was refused ``action`` on a ticket; answer with the reason."""
    details = {"ticket": ticket_id, "problem": str(problem)}
    await refuse(connection, operator, action, now, details=details)
    needed = None
    if problem is Problem.NOT_ALLOWED:
        needed = needed_role(OperatorRole(operator.role), action)
    return WorkflowResult(ticket_id, problem=problem, needed=needed)


async def from_card(connection: BaseDBAsyncClient, ticket: Ticket, origin: Origin) -> bool:
    """Was the button pressed on ``ticket``'s own card, in its own topic?"""
    if ticket.card_message_id is None or int(ticket.card_message_id) != origin.message_id:
        return False
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    return bool(conversation.message_thread_id == origin.thread_id)


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
    """Write ``fields`` to the ticket (row and object, if any) and record the event for it."""
    if fields:
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
    data: dict[str, object] = {"operator": target.telegram_id, "previous": previous}
    await change_ticket(
        connection, ticket, actor, now, kind=EventKind.ASSIGNED, data=data, assigned_at=now
    )
    if ticket.status == TicketStatus.NEW:  # taken for the first time: it opens
        opened, kind = TicketStatus.OPEN, EventKind.STATUS
        data = {"old": str(TicketStatus.NEW), "new": str(opened)}
        await change_ticket(connection, ticket, actor, now, kind=kind, data=data, status=opened)
