"""The operator workflow on one ticket: take, assign, status, priority and tags.

Each use case is one step on a :class:`~core.tickets.workflow_frame.Scene`, made public by
:func:`~core.tickets.workflow_frame.use_case` with the right it needs; it is called as
``name(number, actor, [value,] ctx, *, origin=None, admins=())``. Every call runs in one
transaction (:class:`core.tickets.workflow_frame.UseCase`) that registers the acting operator,
finds the ticket, checks where the request came from (the ticket's own card in its own
topic), checks :func:`core.staff.permissions.allowed` (an agent changes status, priority and
tags only on a ticket they own or that nobody owns), runs the step, which changes the
row and records an event, and queues a card refresh and a topic rename (coalesced per
ticket, see :mod:`core.tickets.card_refresh`). A refusal changes nothing but is recorded
(:func:`core.staff.operators.refuse`). A closed ticket is final.

Taking is race-safe: the assignee is set by a conditional ``UPDATE … WHERE assignee_id IS
NULL`` and the row count says who won; the loser is told who owns the ticket.
"""

from __future__ import annotations

from core.enums import EventKind, TicketPriority, TicketStatus
from core.messaging.views import ticket_card
from core.models import Operator, Tag, Ticket
from core.staff.operators import name_of, telegram_id_of
from core.staff.permissions import Action, permitted, status_action
from core.tickets.assignment import drain_queue
from core.tickets.csat import queue_rating_request
from core.tickets.wake import end_snooze
from core.tickets.workflow_frame import (
    Origin,
    Problem,
    Scene,
    WorkflowResult,
    bare_use_case,
    use_case,
)
from core.timers import sla

#: The moment a status is reached, kept on the ticket (for reports).
STAMPS: dict[TicketStatus, str] = {
    TicketStatus.RESOLVED: "resolved_at",
    TicketStatus.CLOSED: "closed_at",
}


@bare_use_case(Action.TAKE)
async def take(scene: Scene) -> WorkflowResult:
    """``actor`` takes ticket ``number`` if nobody owns it; else says who does."""
    ticket, me = scene.ticket, scene.me
    if ticket.assignee_id == me.id:
        return WorkflowResult(scene.number, assignee=me.name)
    free = Ticket.filter(id=ticket.id, assignee_id__isnull=True).using_db(scene.connection)
    if not await free.update(assignee_id=me.id):  # lost the race: say who won it
        current = await Ticket.filter(id=ticket.id).using_db(scene.connection).get()
        owner = await name_of(scene.connection, current.assignee_id)
        return WorkflowResult(scene.number, problem=Problem.TAKEN, assignee=owner)
    return await scene.give(me)


@use_case(Action.ASSIGN, then=drain_queue)  # the previous owner may have a free slot
async def assign(scene: Scene, target_telegram_id: int) -> WorkflowResult:
    """``actor`` (a senior or above) gives ticket ``number`` to another operator."""
    operators = Operator.filter(telegram_id=target_telegram_id).using_db(scene.connection)
    target = await operators.first()
    if target is None:
        return WorkflowResult(scene.number, problem=Problem.UNKNOWN_OPERATOR)
    if scene.ticket.assignee_id == target.id:
        return WorkflowResult(scene.number, assignee=target.name)
    await Ticket.filter(id=scene.number).using_db(scene.connection).update(assignee_id=target.id)
    return await scene.give(target)


@bare_use_case(Action.UNASSIGN, then=drain_queue)
async def unassign(scene: Scene) -> WorkflowResult:
    """``actor`` (a senior or above) leaves ticket ``number`` without an owner."""
    if scene.ticket.assignee_id is None:
        return WorkflowResult(scene.number)
    previous = await telegram_id_of(scene.connection, scene.ticket.assignee_id)
    return await scene.edit(EventKind.UNASSIGNED, {"operator": previous}, assignee_id=None)


def status_right(ticket: Ticket, status: TicketStatus) -> Action | None:
    """The right moving ``ticket`` to ``status`` needs (reopening needs more than resolving)."""
    return status_action(TicketStatus(ticket.status), status)


@use_case(Action.SET_WAITING, right=status_right, then=drain_queue)  # an ended one frees a slot
async def set_status(scene: Scene, status: TicketStatus) -> WorkflowResult:
    """Move ticket ``number`` to ``status`` (open, waiting, resolved or closed: final)."""
    stamp = {STAMPS[status]: scene.now} if status in STAMPS else {}
    old = TicketStatus(scene.ticket.status)
    result = await scene.move(EventKind.STATUS, old, status, status=status, **stamp)
    if result.changed:
        await sla.status_changed(scene.connection, scene.ctx, scene.ticket, old, status, scene.now)
        await end_snooze(scene.connection, scene.ticket)  # moved by hand: no wake-up follows
    if result.changed and status == TicketStatus.RESOLVED:  # close the loop: ask for a rating
        await queue_rating_request(scene.connection, scene.ctx, scene.ticket)
    return result


@use_case(Action.SET_PRIORITY)
async def set_priority(scene: Scene, priority: TicketPriority) -> WorkflowResult:
    """Give ticket ``number`` the priority ``priority``."""
    old = TicketPriority(scene.ticket.priority)
    result = await scene.move(EventKind.PRIORITY, old, priority, priority=priority)
    if result.changed:  # the new targets apply: the running clocks are recomputed
        await sla.priority_changed(
            scene.connection, scene.ctx, scene.ticket, old, priority, scene.now
        )
    return result


@use_case(Action.TAG)
async def toggle_tag(scene: Scene, tag: str) -> WorkflowResult:
    """Put the tag ``tag`` (one of the ``Tag`` table) on ticket ``number``, or take it off."""
    if not await Tag.filter(name=tag).using_db(scene.connection).exists():
        return WorkflowResult(scene.number, problem=Problem.UNKNOWN_TAG)
    tags = list(scene.ticket.tags)
    if tag in tags:
        kept = [t for t in tags if t != tag]
        return await scene.edit(EventKind.TAG_REMOVED, {"tag": tag}, tags=kept)
    return await scene.edit(EventKind.TAG_ADDED, {"tag": tag}, tags=[*tags, tag])


def asked_about(action: Action) -> Action:
    """A question about a right is refused under that right."""
    return action


@use_case(asked_about)
async def check(scene: Scene, action: Action) -> WorkflowResult:
    """May ``actor`` open a menu for ``action`` on ticket ``number``? Returns its card.

    The frame has checked the right ``action`` already; the answer carries the card and
    everything the actor may do on it, so the menu offers only that.
    """
    may = permitted(scene.role, owns_ticket=scene.mine)
    return WorkflowResult(scene.number, card=await ticket_card(scene.ticket, scene.now), may=may)


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
