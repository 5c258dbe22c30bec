"""Waiting on the customer: the reminder and the auto-resolve deadlines of a ticket.

With ``[waiting]`` set (``nudge_after``, ``auto_resolve_after``; both off by default), a
ticket that enters ``waiting`` arms up to two deadlines counted from that moment; leaving
``waiting`` (the customer writes, an operator sets another status) cancels them. Their
handlers (:mod:`core.relay.nudges`) sit above the workflow they use; here is only the
arming, called from :func:`core.timers.sla.status_changed` on every status change.

A deadline key fires once for good, so each stay in ``waiting`` has keys of its own
(the ticket and the moment it entered): a second stay is reminded again.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import TicketStatus
from core.models import Deadline, Ticket
from core.timers.deadlines import schedule

#: deadline kinds: remind the customer, then resolve the ticket
WAITING_NUDGE = "waiting_nudge"
WAITING_RESOLVE = "waiting_resolve"


def _key(kind: str, ticket_id: int, since: datetime | None = None) -> str:
    """``waiting_nudge:12:`` (a prefix of every stay) or with the stay's start appended."""
    prefix = f"{kind}:{ticket_id}:"
    return prefix if since is None else f"{prefix}{since.timestamp():.6f}"


async def waiting_changed(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    old: TicketStatus,
    new: TicketStatus,
    at: datetime,
) -> None:
    """``ticket`` moved from ``old`` to ``new`` at ``at``: arm or cancel its waiting deadlines."""
    if new == TicketStatus.WAITING and old != new:
        await arm(connection, ctx, ticket, at)
    elif old == TicketStatus.WAITING and new != old:
        await cancel_waiting(connection, ticket)


async def arm(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> None:
    """Set the reminder and auto-resolve deadlines that ``[waiting]`` asks for, from ``at``."""
    workload = ctx.workload
    payload = {"ticket_id": ticket.id}
    for kind, after in (
        (WAITING_NUDGE, workload.nudge_after),
        (WAITING_RESOLVE, workload.auto_resolve_after),
    ):
        if after is not None:
            await schedule(connection, _key(kind, ticket.id, at), kind, at + after, payload)


async def cancel_waiting(connection: BaseDBAsyncClient, ticket: Ticket) -> None:
    """The ticket no longer waits: drop its pending deadlines and forget the reminder."""
    # pending rows only: the (fired_at, due_at) index keeps this to the few unfired ones
    for kind in (WAITING_NUDGE, WAITING_RESOLVE):
        pending = Deadline.filter(fired_at__isnull=True, key__startswith=_key(kind, ticket.id))
        await pending.using_db(connection).delete()
    if ticket.nudged_at is not None:  # the next stay may remind them again
        ticket.nudged_at = None
        await Ticket.filter(id=ticket.id).using_db(connection).update(nudged_at=None)
