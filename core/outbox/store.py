"""The outbox rows: enqueueing (inside a use case's transaction), claiming, and outcomes.

Claims are storage-agnostic. On PostgreSQL the claim locks the rows with ``FOR UPDATE
SKIP LOCKED`` and re-checks that they are still pending, so several instances may share
one table. SQLite has no row locks (tortoise drops the clause there); the same re-check
keeps a claim correct, but FIFO per destination across processes is only guaranteed
with a single worker per SQLite database, which is how botdesk runs on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Subquery
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from core.enums import DestinationKind, OutboxStatus
from core.models import OutboxItem

__all__ = [
    "HELD_UNTIL",
    "SUPERSEDED",
    "enqueue",
    "recover",
    "release_held",
]

#: ``not_before`` of a held item: far enough to never come due on its own, still a
#: valid timestamp on both engines (and ISO text that sorts after every real time).
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)

#: ``last_error`` of an item made obsolete by a newer one with the same coalesce key.
SUPERSEDED = "superseded"

_ACTIVE = (OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    # SQLite compares times as text, which is only right with one offset everywhere
    return moment.astimezone(UTC)


async def enqueue(
    *,
    destination: str,
    kind: DestinationKind,
    budget_key: str,
    operation: str,
    payload: dict[str, Any],
    message_id: int | None = None,
    coalesce_key: str | None = None,
    not_before: datetime | None = None,
    now: datetime,
    using_db: BaseDBAsyncClient | None = None,
) -> OutboxItem:
    """Add one outbound call to the queue of ``destination``; return the new row.

    Call it with ``using_db`` set to the transaction of the domain change that causes
    the call, so both commit together; wake the worker after the commit. With a
    ``coalesce_key``, older pending items with that key are marked done first: only the
    newest state of a card or a topic title is ever sent. An item already in flight is
    left alone (it is being sent; the new one follows it).
    """
    now = _aware(now, "now")
    due = _aware(not_before, "not_before") if not_before is not None else now
    if coalesce_key is not None:
        await (
            OutboxItem.filter(coalesce_key=coalesce_key, status=OutboxStatus.PENDING)
            .using_db(using_db)
            .update(status=OutboxStatus.DONE, last_error=SUPERSEDED, updated_at=now)
        )
    return await OutboxItem.create(
        using_db=using_db,
        destination=destination,
        destination_kind=kind,
        budget_key=budget_key,
        operation=operation,
        payload=payload,
        message_id=message_id,
        coalesce_key=coalesce_key,
        not_before=due,
        created_at=now,
        updated_at=now,
    )


async def release_held(
    destination: str, *, now: datetime, using_db: BaseDBAsyncClient | None = None
) -> int:
    """Make the held items of ``destination`` due again (the customer unblocked the bot).

    Returns how many items were released; wake the worker after the commit.
    """
    now = _aware(now, "now")
    return await (
        OutboxItem.filter(
            destination=destination, status=OutboxStatus.PENDING, not_before__gte=HELD_UNTIL
        )
        .using_db(using_db)
        .update(not_before=now, updated_at=now)
    )


async def recover(now: datetime, *, using_db: BaseDBAsyncClient | None = None) -> int:
    """Return items left ``in_flight`` by a crash to ``pending``; return how many.

    Run it at start-up before the worker. A crash may have come after the messenger
    accepted a send, so such an item can be sent twice: the outbox delivers at least
    once. With several instances on one PostgreSQL database, run it only when no other
    instance is sending (it cannot tell a crashed claim from a live one).
    """
    now = _aware(now, "now")
    return await (
        OutboxItem.filter(status=OutboxStatus.IN_FLIGHT)
        .using_db(using_db)
        .update(status=OutboxStatus.PENDING, updated_at=now)
    )


# ----------------------------------------------------------------- worker side


async def queue_heads() -> list[OutboxItem]:
    """The first item of every destination, when it is pending and not held.

    Oldest first. A destination whose first item is in flight is absent: the rest of
    its queue waits for that item (FIFO).
    """
    firsts = (
        OutboxItem.filter(status__in=_ACTIVE)
        .annotate(head=Min("id"))
        .group_by("destination")
        .values("head")
    )
    return await OutboxItem.filter(
        id__in=Subquery(firsts), status=OutboxStatus.PENDING, not_before__lt=HELD_UNTIL
    ).order_by("created_at", "id")


async def followers(head: OutboxItem, limit: int) -> list[OutboxItem]:
    """Up to ``limit`` pending items queued right behind ``head`` in its destination."""
    return (
        await OutboxItem.filter(
            destination=head.destination, status=OutboxStatus.PENDING, id__gt=head.id
        )
        .order_by("id")
        .limit(limit)
    )


async def claim(ids: Sequence[int], now: datetime) -> list[OutboxItem] | None:
    """Mark the items ``in_flight`` if all of them are still pending; None otherwise.

    Returns the rows as claimed (with their current attempts and payload). A claim fails
    when another instance holds or took one of the rows, or a newer item superseded it.
    """
    async with in_transaction() as connection:
        rows = (
            await OutboxItem.filter(id__in=list(ids), status=OutboxStatus.PENDING)
            .select_for_update(skip_locked=True)
            .using_db(connection)
            .order_by("id")
        )
        if len(rows) != len(ids):
            return None
        await (
            OutboxItem.filter(id__in=list(ids))
            .using_db(connection)
            .update(status=OutboxStatus.IN_FLIGHT, updated_at=now)
        )
    return rows


async def mark_done(ids: Sequence[int], now: datetime, connection: BaseDBAsyncClient) -> None:
    """Record the items as sent (inside the caller's transaction)."""
    await (
        OutboxItem.filter(id__in=list(ids))
        .using_db(connection)
        .update(status=OutboxStatus.DONE, updated_at=now)
    )


async def reschedule(
    ids: Sequence[int],
    *,
    not_before: datetime,
    now: datetime,
    error: str,
    count_attempt: bool,
    connection: BaseDBAsyncClient | None = None,
) -> None:
    """Put the items back in their queue, due at ``not_before``."""
    changes: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "not_before": not_before,
        "last_error": error,
        "updated_at": now,
    }
    if count_attempt:
        changes["attempts"] = F("attempts") + 1
    await OutboxItem.filter(id__in=list(ids)).using_db(connection).update(**changes)


async def mark_failed(
    ids: Sequence[int],
    *,
    error: str,
    now: datetime,
    count_attempt: bool = False,
    connection: BaseDBAsyncClient | None = None,
) -> None:
    """End the items as failed with ``error``."""
    changes: dict[str, Any] = {
        "status": OutboxStatus.FAILED,
        "last_error": error,
        "updated_at": now,
    }
    if count_attempt:
        changes["attempts"] = F("attempts") + 1
    await OutboxItem.filter(id__in=list(ids)).using_db(connection).update(**changes)
