"""Firing due deadlines: claim a batch, run each handler, record what happened.

One batch is one transaction. On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP
LOCKED``: rows another instance is firing are skipped, rows it has fired are no longer
unfired, so two instances never fire one row. On SQLite the transaction holds the
database's single writer lock for its length, which gives the same guarantee.

Each handler runs in a savepoint of that transaction: what it writes commits together
with ``fired_at`` (a notice is sent exactly once, even across a crash), and a handler
that raises rolls back only its own work. Its deadline counts the attempt, keeps the
error and is moved to its next try; after ``max_attempts`` it is given up (marked fired,
one ERROR log). A handler failing because the database is unreachable is no fault of the
deadline: the whole batch is abandoned and no attempt is spent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.models import Deadline
from core.outages import describe, is_outage

__all__ = ["Batch", "Handler", "Retry", "fire_batch"]

log = logging.getLogger("core.timers")

#: What fires a deadline of one kind. Called inside the transaction that claims it:
#: whatever it writes through ``connection`` commits together with ``fired_at``.
#: Arguments: the connection, the claimed row, the moment of the claim (aware UTC).
Handler = Callable[[BaseDBAsyncClient, Deadline, datetime], Awaitable[None]]

# the stored error is for a person reading the row, not a whole traceback
_ERROR_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Retry:
    """How a failing deadline is tried again: after ``base`` seconds, doubling up to
    ``ceiling``, at most ``max_attempts`` tries in all."""

    max_attempts: int = 5
    base: float = 10.0
    ceiling: float = 600.0

    def delay(self, attempts: int) -> timedelta:
        """The pause after the ``attempts``-th failed try."""
        seconds = min(self.ceiling, self.base * 2 ** min(max(attempts - 1, 0), 20))
        return timedelta(seconds=seconds)


@dataclass(slots=True)
class Batch:
    """What one claimed batch did: the fired rows (kind, due time), failures, give-ups."""

    claimed: int = 0
    fired: list[tuple[str, datetime]] = field(default_factory=list)
    failed: int = 0  # handlers that raised and will be tried again
    given_up: int = 0  # deadlines marked fired without their work (unknown kind, too many)


def _utc(moment: datetime) -> datetime:
    # SQLite compares times as text, which is only right with one offset everywhere
    return moment.astimezone(UTC)


async def fire_batch(
    handlers: Mapping[str, Handler], now: datetime, *, limit: int, retry: Retry
) -> Batch:
    """Claim up to ``limit`` deadlines due at ``now`` and fire them, in one transaction.

    Returns what happened; an outage (or anything else the transaction itself met)
    raises, and then nothing of the batch is committed.
    """
    now = _utc(now)
    batch = Batch()
    async with in_transaction() as connection:
        rows = (
            await Deadline.filter(fired_at__isnull=True, due_at__lte=now)
            .using_db(connection)
            # in the order of the (fired_at, due_at) index: a backlog of due rows is read
            # from it in order, not sorted whole for every batch (see deadlines.nearest)
            .order_by("fired_at", "due_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        batch.claimed = len(rows)
        for row in rows:
            await _fire_one(connection, handlers, row, now, retry, batch)
    return batch


async def _fire_one(
    connection: BaseDBAsyncClient,
    handlers: Mapping[str, Handler],
    row: Deadline,
    now: datetime,
    retry: Retry,
    batch: Batch,
) -> None:
    """Run ``row``'s handler in a savepoint and record the outcome on the row."""
    rows = Deadline.filter(id=row.id).using_db(connection)
    handler = handlers.get(row.kind)
    if handler is None:
        log.error("deadline %s: no handler for kind %r; dropped", row.key, row.kind)
        await rows.update(fired_at=now, last_error=f"unknown kind {row.kind!r}")
        batch.given_up += 1
        return
    try:
        # the nested transaction is a savepoint: a raising handler undoes only its own work
        async with in_transaction() as savepoint:
            await handler(savepoint, row, now)
    except Exception as exc:
        if is_outage(exc):
            raise  # not this deadline's fault: the batch waits for the service
        await _failed(connection, row, now, retry, exc, batch)
        return
    await rows.update(fired_at=now)
    batch.fired.append((row.kind, row.due_at))


async def _failed(
    connection: BaseDBAsyncClient,
    row: Deadline,
    now: datetime,
    retry: Retry,
    error: Exception,
    batch: Batch,
) -> None:
    """Count the failed attempt on ``row``: move it to its next try, or give it up."""
    attempts = row.attempts + 1
    text = describe(error)[:_ERROR_LIMIT]
    query = Deadline.filter(id=row.id).using_db(connection)
    if attempts >= retry.max_attempts:
        log.error(
            "deadline %s (%s) failed %d times, given up: %s",
            row.key,
            row.kind,
            attempts,
            text,
            exc_info=error,
        )
        await query.update(attempts=attempts, last_error=text, fired_at=now)
        batch.given_up += 1
        return
    log.warning(
        "deadline %s (%s) failed (attempt %d of %d), retried later: %s",
        row.key,
        row.kind,
        attempts,
        retry.max_attempts,
        text,
    )
    # the row's own time moves to the next try, so the claim and the sleep need no
    # second notion of "not before"
    await query.update(attempts=attempts, last_error=text, due_at=now + retry.delay(attempts))
    batch.failed += 1
