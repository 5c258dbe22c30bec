"""How much the outbox has still to send, read from the table: for /metrics and /readyz.

One aggregate over the unsent rows, grouped by destination kind. The numbers come from
the database, not from the worker's memory, so every instance sharing a PostgreSQL
database reports the same backlog, and a worker that is wedged still shows its queue
growing. Held items (``not_before`` at :data:`~core.outbox.store.HELD_UNTIL`) wait for
something outside the desk and are counted apart: they would otherwise keep the oldest
age high for as long as one customer keeps the bot blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.enums import DestinationKind, OutboxStatus
from core.lookup import sql
from core.metrics import OUTBOX_BACKLOG, OUTBOX_HELD, OUTBOX_OLDEST_AGE
from core.models import OutboxItem
from core.outbox.store import HELD_UNTIL

__all__ = ["Backlog", "oldest_age", "publish", "read_backlog"]

_AGGREGATE = """
SELECT destination_kind,
       SUM(CASE WHEN not_before < {0} THEN 1 ELSE 0 END) AS waiting,
       SUM(CASE WHEN not_before >= {1} THEN 1 ELSE 0 END) AS held,
       MIN(CASE WHEN not_before < {2} THEN created_at END) AS oldest
  FROM outbox
 WHERE status IN ({3}, {4})
 GROUP BY destination_kind
"""


@dataclass(frozen=True, slots=True)
class Backlog:
    """The unsent items of one destination kind."""

    waiting: int = 0  # pending or in flight, not held
    held: int = 0  # held until their destination is released
    oldest: datetime | None = None  # creation time of the oldest waiting item

    def age(self, now: datetime) -> float:
        """Seconds the oldest waiting item has waited (0 when none waits)."""
        if self.oldest is None:
            return 0.0
        return max(0.0, (now - self.oldest).total_seconds())


def _moment(value: Any) -> datetime | None:
    """A time as the engine returns it from an aggregate: a datetime, or ISO text (SQLite)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def read_backlog() -> dict[DestinationKind, Backlog]:
    """The backlog of every destination kind (kinds with nothing unsent included)."""
    connection = OutboxItem._meta.db
    # SQLite's placeholders are positional: values in the order they appear, the held
    # mark once per use
    statuses = [OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value]
    values: list[Any] = [HELD_UNTIL, HELD_UNTIL, HELD_UNTIL, *statuses]
    rows = await connection.execute_query_dict(sql(connection, _AGGREGATE, len(values)), values)
    result = {kind: Backlog() for kind in DestinationKind}
    for row in rows:
        kind = DestinationKind(row["destination_kind"])
        result[kind] = Backlog(
            waiting=int(row["waiting"] or 0),
            held=int(row["held"] or 0),
            oldest=_moment(row["oldest"]),
        )
    return result


def oldest_age(backlogs: dict[DestinationKind, Backlog], now: datetime) -> float:
    """Seconds the oldest waiting item of any kind has waited (0 when none waits)."""
    return max((backlog.age(now) for backlog in backlogs.values()), default=0.0)


def publish(backlogs: dict[DestinationKind, Backlog], now: datetime) -> None:
    """Set the outbox gauges of :mod:`core.metrics` from ``backlogs``."""
    for kind, backlog in backlogs.items():
        OUTBOX_BACKLOG.labels(kind.value).set(backlog.waiting)
        OUTBOX_HELD.labels(kind.value).set(backlog.held)
        OUTBOX_OLDEST_AGE.labels(kind.value).set(backlog.age(now))
