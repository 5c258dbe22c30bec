"""``REASSIGN_AFTER``: the deadline that moves a ticket nobody answered to the next operator.

Each assignment arms one deadline (kind :data:`KIND`); the assignee's first reply, an
unassignment or the end of the ticket cancels it. A key names the ticket *and* the moment
of the assignment, because a fired key stays fired (see :mod:`core.timers.deadlines`) and
the same ticket may be assigned again later. What firing does (choosing the next operator)
is the workflow's business: the handler lives in :mod:`core.tickets.hand_back`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from core.models import Deadline
from core.timers.deadlines import schedule

#: the deadline kind of an unanswered assignment
KIND = "reassign"


def _prefix(ticket_id: int) -> str:
    return f"{KIND}:{ticket_id}:"


def reassign_key(ticket_id: int, assigned_at: datetime) -> str:
    """The key of the deadline of ``ticket_id``'s assignment made at ``assigned_at``."""
    return f"{_prefix(ticket_id)}{assigned_at.timestamp():.6f}"


async def arm(
    connection: BaseDBAsyncClient,
    ticket_id: int,
    operator_id: int,
    assigned_at: datetime,
    after: timedelta | None,
) -> None:
    """Arm the deadline of a fresh assignment (nothing when ``after`` is not set).

    Any earlier one of the ticket goes: only the newest assignment can time out.
    """
    if after is None:
        return
    await disarm(connection, ticket_id)
    payload = {"ticket_id": ticket_id, "operator_id": operator_id}
    await schedule(
        connection, reassign_key(ticket_id, assigned_at), KIND, assigned_at + after, payload
    )


async def disarm(connection: BaseDBAsyncClient, ticket_id: int) -> int:
    """Cancel the pending deadline of ``ticket_id`` (a reply, an unassignment, the end)."""
    rows = Deadline.filter(key__startswith=_prefix(ticket_id), fired_at__isnull=True)
    return await rows.using_db(connection).delete()
