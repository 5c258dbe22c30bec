"""A snoozed ticket wakes: at its time, on a customer message, or when an operator moves it.

:mod:`core.tickets.snooze` puts a ticket to sleep (waiting, ``snoozed_until``, the deadline
``snooze:<ticket id>``); this module ends the sleep, so that the status change of the
workflow and the customer's message (:mod:`core.tickets.sla_hooks`) can end it without
importing the snooze use case.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import EventKind, TicketStatus
from core.models import Ticket
from core.staff.events import DESK, record
from core.tickets.automatic import set_status_as
from core.tickets.card_refresh import queue_refresh
from core.timers.deadlines import cancel

#: the deadline kind of a snoozed ticket's wake-up
SNOOZE_WAKE = "snooze_wake"
#: why a ticket woke, as its WOKE event says
BY_TIME, BY_CUSTOMER = "time", "customer"


def snooze_key(ticket_id: int) -> str:
    """The deadline key of a ticket's wake-up."""
    return f"snooze:{ticket_id}"


async def end_snooze(
    connection: BaseDBAsyncClient, ticket: Ticket, *, firing: bool = False
) -> bool:
    """Forget ``ticket``'s snooze and its wake-up (an operator moved it by hand).

    ``firing``: the wake-up deadline is the one firing now; the scheduler marks it.
    Returns whether there was a snooze.
    """
    if ticket.snoozed_until is None:
        return False
    ticket.snoozed_until = None
    await Ticket.filter(id=ticket.id).using_db(connection).update(snoozed_until=None)
    if not firing:
        await cancel(connection, snooze_key(ticket.id))
    return True


async def woke(connection: BaseDBAsyncClient, ticket: Ticket, now: datetime, *, by: str) -> None:
    """``ticket``'s snooze ended ``by`` its time or the customer: clear it, record WOKE."""
    until = ticket.snoozed_until
    await end_snooze(connection, ticket, firing=by == BY_TIME)
    data = {"by": by, "until": until.isoformat() if until else None}
    await record(
        connection,
        kind=EventKind.WOKE,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        data=data,
        now=now,
        actor_label=DESK if by == BY_TIME else None,
    )


async def wake_up(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket_id: int, now: datetime
) -> Ticket | None:
    """The wake-up deadline of ``ticket_id`` fired: back to open, by the desk.

    Runs in the scheduler's claim. The status change is the workflow's own (a STATUS
    event, actor "desk"; the SLA clocks resume; the card refreshes). Returns the woken
    ticket, or None when there is nothing to wake (no longer snoozed, or not waiting).
    """
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first()
    if ticket is None or ticket.snoozed_until is None:
        return None
    if ticket.status != TicketStatus.WAITING:
        await end_snooze(connection, ticket, firing=True)
        return None
    await set_status_as(connection, ctx, ticket, TicketStatus.OPEN, DESK)
    await woke(connection, ticket, now, by=BY_TIME)
    await queue_refresh(connection, ctx, ticket)
    return ticket
