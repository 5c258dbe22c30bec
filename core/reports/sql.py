"""The SQL pieces every metric shares, written once for SQLite and PostgreSQL alike.

* :class:`Binder` collects a statement's values and writes their placeholders.
* :func:`percentiles` wraps a select of ``(g, v)`` rows into the nearest-rank median and
  90th percentile of ``v`` per group ``g``: one statement, two rows per group back. The
  nearest rank of percentile ``p`` among ``n`` sorted values is ``ceil(p * n / 100)``
  (1-based), written ``(p * n + 99) / 100`` in integer arithmetic, so both engines give
  the same answer (PostgreSQL's ``percentile_cont`` would interpolate; SQLite has none).
  :func:`ranked` ranks many selects at once: on PostgreSQL with ``percentile_disc``,
  which is the same nearest rank and much faster there, on SQLite with
  :func:`percentiles`.
* :func:`local_hour` is the hour of day of a stored UTC moment on the desk's wall clock:
  SQLite knows no time zones, so the offsets the period goes through (a DST change
  included) are written into the statement as a ``CASE``.
* :func:`json_int` and :func:`tag_source` read JSON columns in each engine's dialect.
* :func:`unindexed` keeps SQLite's planner off an index that would read the widest range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

#: the percentiles every duration figure reports
MEDIAN, P90 = 50, 90
#: the two ways a duration is counted: calendar (``c``) and business (``b``) seconds
WAYS = ("c", "b")


class Binder:
    """Collects the values of a statement and writes each one's placeholder, in order.

    SQLite's ``?`` are positional and PostgreSQL's ``$n`` numbered; binding values in
    the order their placeholders are written serves both. Moments are bound in UTC:
    SQLite compares the stored ISO text, which holds only while every offset is ``+00:00``.
    """

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.postgres = connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.astimezone(UTC)
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def many(self, values: Iterable[Any]) -> str:
        """The placeholders of an ``IN (…)`` list."""
        return ", ".join(self(value) for value in values)


async def rows(connection: BaseDBAsyncClient, statement: str, bind: Binder) -> list[dict[str, Any]]:
    """Run ``statement`` with ``bind``'s values; the result rows as dicts."""
    return list(await connection.execute_query_dict(statement, bind.values))


def percentiles(inner: str) -> str:
    """The median and p90 rows of ``inner`` (a select of ``g``, ``v``) per ``g``.

    Each result row is ``g``, ``v``, ``rn`` (its rank) and ``n`` (the group's size);
    NULL values are left out. :func:`read_percentiles` turns them into figures.
    """
    return f"""
SELECT g, v, rn, n FROM (
  SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn,
         COUNT(*) OVER (PARTITION BY g) AS n
    FROM ({inner}) s
   WHERE v IS NOT NULL
) r
WHERE rn = ({MEDIAN} * n + 99) / 100 OR rn = ({P90} * n + 99) / 100"""


def ranked(bind: Binder, selects: Sequence[str]) -> str:
    """The median and p90 of ``v`` per ``g`` over the union of ``selects`` (``g``, ``v`` each).

    PostgreSQL ranks with its ordered-set aggregate ``percentile_disc``, whose answer is
    the nearest rank (the first value at or past ``p * n``), one row per group; it sorts
    each group apart and beats the window functions several times over on a month of a
    busy desk. SQLite has no such aggregate: each select is ranked with
    :func:`percentiles` on its own, so no sort holds every row at once. Both shapes of
    row are read by :func:`read_percentiles`.
    """
    if not bind.postgres:
        return "\nUNION ALL\n".join(percentiles(select) for select in selects)
    union = "\nUNION ALL\n".join(selects)
    return f"""
SELECT g, COUNT(*) AS n,
       percentile_disc({MEDIAN / 100}) WITHIN GROUP (ORDER BY v) AS median,
       percentile_disc({P90 / 100}) WITHIN GROUP (ORDER BY v) AS p90
  FROM ({union}) s
 WHERE v IS NOT NULL
 GROUP BY g"""


def nearest_rank(percent: int, count: int) -> int:
    """The 1-based rank of the ``percent``-th percentile among ``count`` values."""
    return (percent * count + 99) // 100


def read_percentiles(result: Sequence[dict[str, Any]]) -> dict[Any, tuple[int, int, int]]:
    """``{g: (count, median, p90)}`` from the rows of a :func:`percentiles` or :func:`ranked`
    statement (rank rows, or one row per group with its ``median`` and ``p90``)."""
    found: dict[Any, dict[str, int]] = {}
    for row in result:
        if "median" in row:
            found[row["g"]] = {"n": int(row["n"]), "median": int(row["median"]),
                               "p90": int(row["p90"])}  # fmt: skip
            continue
        n, rn, value = int(row["n"]), int(row["rn"]), int(row["v"])
        figures = found.setdefault(row["g"], {"n": n})
        if rn == nearest_rank(MEDIAN, n):
            figures["median"] = value
        if rn == nearest_rank(P90, n):
            figures["p90"] = value
    return {g: (f["n"], f["median"], f["p90"]) for g, f in found.items()}


def epoch(bind: Binder, column: str) -> str:
    """SQL of ``column`` (a stored moment) as whole seconds since 1970 (UTC)."""
    if bind.postgres:
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The UTC offsets (seconds) ``zone`` has from ``start`` to ``end``, and since when.

    The first entry starts at ``start``; a new one begins at each change (found hour by
    hour, then to the second), so a year holds a handful.
    """

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset() or timedelta()
        return int(delta.total_seconds())

    at = start.astimezone(UTC)
    found = [(at, offset(at))]
    while at < end:
        step = min(at + timedelta(hours=1), end)
        if offset(step) != found[-1][1]:
            low, high = at, step  # the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high, offset(high)))
        at = step
    return found


def local_hour(bind: Binder, column: str, zone: ZoneInfo, start: datetime, end: datetime) -> str:
    """SQL of the desk-time hour of day (0–23) of ``column``, for moments in [start, end)."""
    changes = offsets(zone, start, end)
    shift = str(changes[-1][1])
    if len(changes) > 1:
        whens = " ".join(
            f"WHEN {column} < {bind(since)} THEN {changes[i][1]}"
            for i, (since, _) in enumerate(changes[1:])
        )
        shift = f"CASE {whens} ELSE {changes[-1][1]} END"
    seconds = f"({epoch(bind, column)} + {shift})"
    return f"(({seconds} % 86400) + 86400) % 86400 / 3600"


def unindexed(bind: Binder, column: str) -> str:
    """SQL of ``column`` that SQLite's planner will not read through an index (a unary ``+``).

    Without histograms it takes any range on an indexed column for a narrow one, and may
    read a condition's widest range through its index; PostgreSQL's planner knows better
    and gets the column itself (a ``+`` is no operator on its moments).
    """
    return column if bind.postgres else f"+{column}"


def json_int(bind: Binder, column: str, key: str) -> str:
    """SQL of the integer at ``key`` of the JSON object in ``column``."""
    if bind.postgres:
        return f"CAST({column} ->> '{key}' AS BIGINT)"
    return f"CAST(json_extract({column}, '$.{key}') AS INTEGER)"


def tag_source(bind: Binder, table: str) -> str:
    """A ``FROM`` item giving one row per tag of each ticket ``table``, its tag as ``tag.value``."""
    if bind.postgres:
        return f"CROSS JOIN LATERAL jsonb_array_elements_text({table}.tags::jsonb) AS tag(value)"
    return f"CROSS JOIN json_each({table}.tags) AS tag"


def moment(value: Any) -> datetime:
    """A moment as the engine returns it from raw SQL: a datetime, or ISO text (SQLite)."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
