"""The outbox rows: enqueueing (inside a use case's transaction), claiming, and outcomes.

A claim is one conditional ``UPDATE … WHERE status = 'pending'`` (in a transaction,
undone unless every row matched, when it takes several items), so of two processes
claiming the same row only one gets it; on PostgreSQL the rows are picked ``FOR UPDATE
SKIP LOCKED``, so a process never waits on rows another one is claiming. Only the head
of a destination's queue is ever claimed (:func:`scan`), and nothing behind an item in
flight, so FIFO per destination holds across processes. Each claim names its process
(``claimed_by``); :func:`recover_dead` returns the items of processes that died.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.enums import DestinationKind, OutboxStatus
from core.leases import alive
from core.lookup import marks, sql
from core.models import OutboxItem
from core.outbox.operations import HELD_PREFIX

__all__ = [
    "HELD_PREFIX",
    "HELD_UNTIL",
    "SUPERSEDED",
    "enqueue",
    "recover",
    "recover_dead",
    "release_held",
]

#: ``not_before`` of a held item: far enough to never come due on its own, still a
#: valid timestamp on both engines (and ISO text that sorts after every real time).
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)

#: ``last_error`` of an item made obsolete by a newer one with the same coalesce key.
SUPERSEDED = "superseded"


def aware(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive one raises (``name`` says which argument it was)."""
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
    now = aware(now, "now")
    due = aware(not_before, "not_before") if not_before is not None else now
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

    Every waiting item of the destination is released: held ones (until further notice,
    or until their next recheck) and any waiting out a backoff, which at worst is tried
    once early. Returns how many items were released; wake the worker after the commit.
    """
    now = aware(now, "now")
    return await (
        OutboxItem.filter(destination=destination, status=OutboxStatus.PENDING, not_before__gt=now)
        .using_db(using_db)
        .update(not_before=now, updated_at=now)
    )


async def recover(now: datetime, *, using_db: BaseDBAsyncClient | None = None) -> int:
    """Return items left ``in_flight`` by a crash to ``pending``; return how many.

    Run it at start-up before the worker. A crash may have come after the messenger
    accepted a send, so such an item can be sent twice: the outbox delivers at least
    once (and the adapters clean up, see :mod:`core.outbox`). With several instances on
    one PostgreSQL database, run it only when no other instance is sending (it cannot
    tell a crashed claim from a live one).
    """
    now = aware(now, "now")
    return await (
        OutboxItem.filter(status=OutboxStatus.IN_FLIGHT)
        .using_db(using_db)
        .update(status=OutboxStatus.PENDING, updated_at=now)
    )


async def recover_dead(now: datetime) -> int:
    """Return to their queue the items in flight of processes that are no longer alive.

    A process lives while it renews its ``instance:<name>`` lease (:mod:`core.leases`);
    items claimed with no name (by a process that kept no lease) are left alone.
    Returns how many items were returned; they may have been sent already (at least
    once, as after a crash).
    """
    rows = await OutboxItem.filter(status=OutboxStatus.IN_FLIGHT, claimed_by__not_isnull=True)
    claimers = {str(row.claimed_by) for row in rows}
    dead = claimers - await alive(sorted(claimers))
    if not dead:
        return 0
    return await OutboxItem.filter(
        status=OutboxStatus.IN_FLIGHT, claimed_by__in=sorted(dead)
    ).update(status=OutboxStatus.PENDING, claimed_by=None, updated_at=aware(now, "now"))


# ----------------------------------------------------------------- worker side
#
# The worker's statements run for every item sent, so they are written in plain SQL:
# building them with the ORM costs more than running them. Datetimes are passed as
# values: SQLite stores what tortoise's adapter makes of them (ISO text, one offset),
# PostgreSQL takes them natively.

# the first active item of every destination (and how many are queued there)
_SCAN = """
SELECT o.*, q.depth AS queue_depth
  FROM outbox o
  JOIN (SELECT MIN(id) AS head, COUNT(*) AS depth FROM outbox
         WHERE status IN ({0}, {1}) GROUP BY destination) q ON o.id = q.head
 ORDER BY o.created_at, o.id
"""

_CLAIM = """
UPDATE outbox SET status = {0}, updated_at = {1}, claimed_by = {2}
 WHERE status = {3} AND id IN (%s)
RETURNING id, attempts
"""

_CLAIM_SKIPPING = """
UPDATE outbox SET status = {0}, updated_at = {1}, claimed_by = {2}
 WHERE id IN (SELECT id FROM outbox WHERE status = {3} AND id IN (%s) FOR UPDATE SKIP LOCKED)
RETURNING id, attempts
"""


def _db() -> BaseDBAsyncClient:
    return OutboxItem._meta.db


def _in_list(template: str, first: int, count: int) -> str:
    return template % marks(first, count)


@dataclass(slots=True)
class QueueHead:
    """The first item of a destination's queue and how many items are queued there."""

    item: OutboxItem
    depth: int  # active (pending or in flight) items of the destination, this one included


@dataclass(slots=True)
class QueueScan:
    """One look at the queues: what may be sent next, and who waits behind a send."""

    heads: list[QueueHead] = field(default_factory=list)  # pending, not held, oldest first
    #: destinations whose first item is in flight with more items behind it: when that
    #: send ends, the next one may go
    waiting: set[str] = field(default_factory=set)


async def scan() -> QueueScan:
    """The first item of every destination, in one statement.

    A destination whose first item is pending and not held contributes a head (oldest
    first); one whose first item is in flight contributes nothing to send (FIFO: the
    rest of its queue waits for that item) and is listed in ``waiting`` if items are
    queued behind it.
    """
    connection = _db()
    rows = await connection.execute_query_dict(
        sql(connection, _SCAN, 2), [OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value]
    )
    result = QueueScan()
    for row in rows:
        depth = int(row["queue_depth"])
        if row["status"] != OutboxStatus.PENDING.value:
            if depth > 1:
                result.waiting.add(str(row["destination"]))
            continue
        item = OutboxItem._init_from_db(**row)
        if item.not_before < HELD_UNTIL:
            result.heads.append(QueueHead(item, depth))
    return result


async def queue_heads() -> list[OutboxItem]:
    """The first item of every destination, when it is pending and not held.

    Oldest first. A destination whose first item is in flight is absent: the rest of
    its queue waits for that item (FIFO).
    """
    return [head.item for head in (await scan()).heads]


async def followers(head: OutboxItem, limit: int) -> list[OutboxItem]:
    """Up to ``limit`` pending items queued right behind ``head`` in its destination."""
    return (
        await OutboxItem.filter(
            destination=head.destination, status=OutboxStatus.PENDING, id__gt=head.id
        )
        .order_by("id")
        .limit(limit)
    )


class _Lost(Exception):
    """Rolls back a claim of several items of which not all were still pending."""


async def claim(
    items: Sequence[OutboxItem], now: datetime, by: str | None = None
) -> list[OutboxItem] | None:
    """Mark the items ``in_flight`` (claimed by process ``by``) if all are still pending.

    Returns the items as claimed (with their current attempts), or None: another process
    holds or took one of the rows, or a newer item superseded it. One item takes one
    statement; several take a transaction, undone unless all are claimed.
    """
    if not items:
        return []
    ids = [int(item.id) for item in items]
    now = aware(now, "now")
    values: list[Any] = [OutboxStatus.IN_FLIGHT.value, now, by, OutboxStatus.PENDING.value, *ids]

    async def update(connection: BaseDBAsyncClient) -> dict[int, int]:
        postgres = connection.capabilities.dialect == "postgres"
        template = _CLAIM_SKIPPING if postgres else _CLAIM
        statement = sql(connection, _in_list(template, 4, len(ids)), len(values))
        rows = await connection.execute_query_dict(statement, values)
        return {int(row["id"]): int(row["attempts"]) for row in rows}

    if len(ids) == 1:
        claimed = await update(_db())
    else:
        try:
            async with in_transaction() as connection:
                claimed = await update(connection)
                if len(claimed) != len(ids):
                    raise _Lost
        except _Lost:
            return None
    if len(claimed) != len(ids):
        return None
    for item in items:
        item.attempts = claimed[int(item.id)]
        item.status = OutboxStatus.IN_FLIGHT
    return sorted(items, key=lambda item: int(item.id))
