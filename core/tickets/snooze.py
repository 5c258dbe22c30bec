"""``/snooze <when>`` in a topic: the ticket waits until then, and wakes by itself.

The ticket goes to ``waiting`` through the workflow's own status change (the SLA clocks
pause, a STATUS event is logged, the same right is needed), ``snoozed_until`` is set, a
SNOOZED event is recorded and the deadline ``snooze:<ticket id>`` (kind
:data:`~core.tickets.wake.SNOOZE_WAKE`) is armed. The wake-up itself, and the earlier one a
customer's message causes, are in :mod:`core.tickets.wake`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.context import DeskContext
from core.entities import OperatorProfile
from core.enums import EventKind, TicketStatus
from core.models import Conversation, Ticket
from core.staff.permissions import Action
from core.tickets.task_time import Unread, read_time, rearm
from core.tickets.wake import SNOOZE_WAKE, snooze_key
from core.tickets.workflow import set_status, status_right
from core.tickets.workflow_frame import Problem, Scene, WorkflowResult, use_case


@dataclass(frozen=True, slots=True)
class SnoozeResult:
    """What ``/snooze`` did: the wake-up time, or why nothing changed."""

    until: datetime | None = None
    unread: Unread | None = None  # the phrase gave no time
    no_ticket: bool = False  # not written in a conversation's topic
    workflow: WorkflowResult | None = None  # the workflow's refusal, if any

    @property
    def ok(self) -> bool:
        """True when the ticket sleeps until :attr:`until`."""
        return self.until is not None


def _waiting_right(ticket: Ticket, _until: datetime) -> Action | None:
    """Snoozing needs what moving the ticket to waiting needs."""
    return status_right(ticket, TicketStatus.WAITING)


@use_case(Action.SET_WAITING, right=_waiting_right)
async def _sleep(scene: Scene, until: datetime) -> WorkflowResult:
    """Waiting until ``until``: the status change, the snooze and its wake-up."""
    await set_status.change(scene, TicketStatus.WAITING)
    ticket = scene.ticket
    await Ticket.filter(id=ticket.id).using_db(scene.connection).update(snoozed_until=until)
    ticket.snoozed_until = until
    await rearm(scene.connection, snooze_key(ticket.id), SNOOZE_WAKE, until, {"ticket": ticket.id})
    return await scene.edit(EventKind.SNOOZED, {"until": until.isoformat()})


async def snooze(
    ctx: DeskContext, actor: OperatorProfile, thread_id: int | None, phrase: str
) -> SnoozeResult:
    """``actor`` snoozes the ticket of topic ``thread_id`` until ``phrase``'s time."""
    at = read_time(" ".join(phrase.split()), ctx.clock.now(), ctx.calendar)
    if isinstance(at, Unread):
        return SnoozeResult(unread=at)
    conversation = (
        await Conversation.filter(message_thread_id=thread_id).first() if thread_id else None
    )
    ticket = (
        await Ticket.filter(conversation_id=conversation.id).order_by("-id").first()
        if conversation is not None
        else None
    )
    if ticket is None:
        return SnoozeResult(no_ticket=True)
    result = await _sleep(ticket.id, actor, at, ctx, admins=ctx.admin_ids)
    if result.problem is not None:
        return SnoozeResult(workflow=result)
    return SnoozeResult(until=at)


__all__ = ["Problem", "SnoozeResult", "snooze"]
