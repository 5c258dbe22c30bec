"""The outcome of a claim: written only while the claim is still this process's.

With several processes on one database, one paused past its leases (a long GC pause, a
frozen VM) has its claims returned to their queues and taken by another process
(:func:`core.outbox.store.recover_dead`). When it goes on, nothing it writes may change
them: every write here is conditioned on the items being in flight under the claim of
``by`` (its name; None for the only process), and returns how many rows it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from core.enums import OutboxStatus
from core.leases import INSTANCE, db_now
from core.lookup import marks, sql
from core.models import OutboxItem
from core.outbox.store import aware

__all__ = ["Taken", "confirm", "mark_done", "mark_failed", "reschedule", "unclaim"]


class Taken(Exception):
    """Rolls back an outcome whose items passed to another process meanwhile."""


# only rows still in flight under this process's claim: a paused process whose items
# went to another one changes nothing (``claimed_by`` is ``%s``, NULL without a name)
_DONE = """
UPDATE outbox SET status = {0}, updated_at = {1}
 WHERE status = {2} AND claimed_by %s AND id IN (%s)
RETURNING id
"""

# the items are still this process's: in flight under its claim, and its instance lease
# has not expired (past it, another process may return them to their queue any moment)
_CONFIRM = """
SELECT COUNT(*) AS mine FROM outbox
 WHERE EXISTS (SELECT 1 FROM leases WHERE name = {0} AND holder = {1} AND expires_at >= %s)
   AND status = {2} AND claimed_by = {3} AND id IN (%s)
"""


async def unclaim(
    ids: Sequence[int],
    now: datetime,
    *,
    by: str | None = None,
    claimed_at: datetime | None = None,
) -> int:
    """Return items claimed by ``by`` (still in flight) to their queue; return how many.

    With ``claimed_at`` only items claimed at that moment are returned: a claim whose
    answer was lost (the connection dropped after the commit) is undone without touching
    a claim that another instance made since.
    """
    query = _mine(ids, by)
    if claimed_at is not None:
        query = query.filter(updated_at=aware(claimed_at, "claimed_at"))
    return await query.update(
        status=OutboxStatus.PENDING, claimed_by=None, updated_at=aware(now, "now")
    )


def _mine(ids: Sequence[int], by: str | None) -> QuerySet[OutboxItem]:
    """The items of ``ids`` still in flight under the claim of ``by``."""
    return OutboxItem.filter(id__in=list(ids), status=OutboxStatus.IN_FLIGHT, claimed_by=by)


async def mark_done(
    ids: Sequence[int], now: datetime, connection: BaseDBAsyncClient, *, by: str | None = None
) -> int:
    """Record the items as sent (inside the caller's transaction); return how many were.

    Only items still in flight under the claim of ``by`` are marked: fewer than ``ids``
    means the claim passed to another process, and the caller rolls back.
    """
    values: list[Any] = [OutboxStatus.DONE.value, aware(now, "now"), OutboxStatus.IN_FLIGHT.value]
    who = "IS NULL" if by is None else "= {3}"
    if by is not None:
        values.append(by)
    template = _DONE % (who, marks(len(values), len(ids)))
    values.extend(ids)
    rows = await connection.execute_query_dict(sql(connection, template, len(values)), values)
    return len(rows)


async def confirm(ids: Sequence[int], by: str) -> bool:
    """Whether the items are still in flight under the claim of ``by``, a live process.

    A process asks before it sends what it claimed a while ago: if it was paused past
    its instance lease, its claims may have gone to another process (see :func:`recover_dead`).
    """
    connection = OutboxItem._meta.db
    template = _CONFIRM % (db_now(connection), marks(4, len(ids)))
    values: list[Any] = [INSTANCE + by, by, OutboxStatus.IN_FLIGHT.value, by, *ids]
    rows = await connection.execute_query_dict(sql(connection, template, len(values)), values)
    return bool(rows) and int(rows[0]["mine"]) == len(ids)


async def reschedule(
    ids: Sequence[int],
    *,
    not_before: datetime,
    now: datetime,
    error: str,
    count_attempt: bool,
    by: str | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> int:
    """Put the items claimed by ``by`` back in their queue, due at ``not_before``.

    Returns how many were: none when the claim passed to another process.
    """
    changes: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "claimed_by": None,
        "not_before": not_before,
        "last_error": error,
        "updated_at": now,
    }
    if count_attempt:
        changes["attempts"] = F("attempts") + 1
    return await _mine(ids, by).using_db(connection).update(**changes)


async def mark_failed(
    ids: Sequence[int],
    *,
    error: str,
    now: datetime,
    count_attempt: bool = False,
    by: str | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> int:
    """End the items claimed by ``by`` as failed with ``error``; return how many were."""
    changes: dict[str, Any] = {
        "status": OutboxStatus.FAILED,
        "last_error": error,
        "updated_at": now,
    }
    if count_attempt:
        changes["attempts"] = F("attempts") + 1
    return await _mine(ids, by).using_db(connection).update(**changes)
