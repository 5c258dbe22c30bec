"""Storing deadlines: set, move and cancel them inside the caller's transaction.

A deadline is a row (:class:`core.models.Deadline`) named by a unique key. Whoever owns a
moment (an SLA clock, a task) sets it with :func:`schedule` in the transaction that
decides it and removes it with :func:`cancel` when it no longer applies; the scheduler
(:mod:`core.timers.scheduler`) fires what falls due. A key that has fired stays fired:
scheduling it again changes nothing, so a notice is never sent twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.models import Deadline


async def schedule(
    connection: BaseDBAsyncClient,
    key: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Set deadline ``key`` (handled by ``kind``) to ``due_at``, or move it there.

    A deadline that has already fired is left alone. Call ``ctx.wake()`` after the
    commit (the use case frame does) so a sleeping scheduler sees a nearer time.
    """
    rows = Deadline.filter(key=key).using_db(connection)
    updated = await rows.filter(fired_at__isnull=True).update(
        due_at=due_at, kind=kind, payload=payload or {}, attempts=0, last_error=None
    )
    if updated or await rows.exists():
        return
    await Deadline.create(
        using_db=connection, key=key, kind=kind, due_at=due_at, payload=payload or {}
    )


async def cancel(connection: BaseDBAsyncClient, *keys: str) -> int:
    """Remove the deadlines ``keys`` that have not fired yet; return how many went."""
    if not keys:
        return 0
    rows = Deadline.filter(key__in=keys, fired_at__isnull=True).using_db(connection)
    return await rows.delete()


async def nearest(connection: BaseDBAsyncClient) -> datetime | None:
    """The due time of the nearest deadline that has not fired, or ``None``."""
    row = (
        await Deadline.filter(fired_at__isnull=True)
        .using_db(connection)
        # fired_at first, though it is NULL throughout: only then does PostgreSQL read the
        # (fired_at, due_at) index in order and stop at the first row, instead of sorting
        # every unfired row (25 ms for 100,000 rows, against 0.06 ms)
        .order_by("fired_at", "due_at")
        .only("due_at")
        .first()
    )
    return row.due_at if row is not None else None
