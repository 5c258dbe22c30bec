"""Medians and p90s of durations counted two ways, for many groups at once.

A :class:`Source` is a set of rows, one per duration, each with ``c`` and ``b`` (its
calendar and business seconds) and the columns that group it: the ``overall`` group holds
every row, and each column of ``splits`` makes one group per value (``first|channel:vk``
…). A source may read the sources before it. :func:`rank` answers
``{group: {way: (count, median, p90)}}`` by the nearest rank
(:func:`core.reports.sql.nearest_rank`); NULL durations and NULL split values are left out.

* PostgreSQL reads each source as a common table expression and ranks the union of every
  group's rows with the ordered-set aggregate ``percentile_disc`` (that nearest rank), in
  one statement.
* SQLite has no such aggregate, and its window functions are slow. Copying every
  ``(group, value)`` row (some 300,000 for a month of a busy desk: each first response
  sits in five groups), counting the copy by group name and sorting it by name and value
  cost more than what is done instead: each source is copied once, one row per
  duration, into a temporary table with an index on each way of counting and on each
  split column with each way (keys of one or two small columns); one statement counts
  every group through those indexes, and one reads each group's median and p90 from its
  index in order (``ORDER BY … LIMIT 1 OFFSET k``). The temporary tables go at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient

from core.reports.sql import MEDIAN, P90, WAYS, Binder, nearest_rank

Pairs = dict[str, dict[str, tuple[int, int, int]]]
#: writes a source's select: with the values' binder and the relation of each source by name
Select = Callable[[Binder, Mapping[str, str]], str]

# temporary tables belong to the connection: a number per use keeps reports that run
# at the same time apart
_numbers = itertools.count(1)

# groups read per statement (two figures each; a compound select holds at most 500)
_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Source:
    """Rows to rank: ``select`` gives ``c``, ``b`` and the columns named in ``splits``.

    ``overall`` names the group of all its rows (None: none); ``splits`` maps a column to
    the prefix of its groups' names (the value follows, as text).
    """

    name: str
    select: Select
    overall: str | None = None
    splits: Mapping[str, str] = field(default_factory=dict)


async def rank(connection: BaseDBAsyncClient, sources: Sequence[Source]) -> Pairs:
    """The median and p90 of ``c`` and ``b`` of every group of ``sources``."""
    if connection.capabilities.dialect == "postgres":
        return await _aggregated(connection, sources)
    return await _indexed(connection, sources)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def _aggregated(connection: BaseDBAsyncClient, sources: Sequence[Source]) -> Pairs:
    """PostgreSQL: one statement; it materializes a source read more than once by itself."""
    bind = Binder(connection)
    names = {source.name: source.name for source in sources}
    tables = ",\n ".join(f"{s.name} AS ({s.select(bind, names)})" for s in sources)
    selects = []
    for s in sources:
        if s.overall is not None:
            selects.append(f"SELECT {_literal(s.overall)} AS g, c, b FROM {s.name}")
        for column, prefix in s.splits.items():
            selects.append(
                f"SELECT {_literal(prefix)} || CAST({column} AS TEXT) AS g, c, b"
                f" FROM {s.name} WHERE {column} IS NOT NULL"
            )
    figures = ",\n       ".join(
        f"COUNT({w}) AS n_{w}, "
        f"percentile_disc({MEDIAN / 100}) WITHIN GROUP (ORDER BY {w}) AS median_{w}, "
        f"percentile_disc({P90 / 100}) WITHIN GROUP (ORDER BY {w}) AS p90_{w}"
        for w in WAYS
    )
    union = "\nUNION ALL\n".join(selects)
    statement = f"WITH {tables}\nSELECT g, {figures}\n  FROM ({union}) s\n GROUP BY g"
    found: Pairs = {}
    for row in await connection.execute_query_dict(statement, bind.values):
        for w in WAYS:
            n = int(row[f"n_{w}"] or 0)
            if n:  # a group with no value counted that way has no figures of it
                found.setdefault(str(row["g"]), {})[w] = (
                    n,
                    int(row[f"median_{w}"]),
                    int(row[f"p90_{w}"]),
                )
    return found


@dataclass(frozen=True, slots=True)
class _Part:
    """One way of one source's overall group or split column: counted and ranked alike."""

    table: str
    way: str
    column: str | None
    prefix: str


async def _indexed(connection: BaseDBAsyncClient, sources: Sequence[Source]) -> Pairs:
    """SQLite: temporary tables of the sources, indexed; counts, then index reads."""
    number = next(_numbers)
    tables = {source.name: f"report_{number}_{source.name}" for source in sources}
    parts: list[_Part] = []
    try:
        script: list[str] = []
        for source in sources:
            bind = Binder(connection)
            table = tables[source.name]
            create = f"CREATE TEMP TABLE {table} AS {source.select(bind, tables)};"
            if bind.values:  # a script takes no values: run what came before, then this
                await _script(connection, script)
                await connection.execute_query(create, bind.values)
            else:
                script.append(create)
            for w in WAYS:
                if source.overall is not None:
                    script.append(f"CREATE INDEX {table}_{w} ON {table} ({w});")
                    parts.append(_Part(table, w, None, source.overall))
                for i, (column, prefix) in enumerate(source.splits.items()):
                    script.append(f"CREATE INDEX {table}_{i}{w} ON {table} ({column}, {w});")
                    parts.append(_Part(table, w, column, prefix))
        await _script(connection, script)
        return await _figures(connection, parts)
    finally:
        await connection.execute_script(
            "\n".join(f"DROP TABLE IF EXISTS temp.{table};" for table in tables.values())
        )


async def _script(connection: BaseDBAsyncClient, script: list[str]) -> None:
    if script:
        await connection.execute_script("\n".join(script))
        script.clear()


async def _figures(connection: BaseDBAsyncClient, parts: Sequence[_Part]) -> Pairs:
    """Count each part's groups, then read their medians and p90s from the indexes."""
    if not parts:
        return {}
    counts = "\nUNION ALL\n".join(
        f"SELECT {i} AS part, NULL AS k, COUNT({p.way}) AS n FROM {p.table}"
        if p.column is None
        else f"SELECT {i}, {p.column}, COUNT(*) FROM {p.table}"
        f" WHERE {p.column} IS NOT NULL AND {p.way} IS NOT NULL GROUP BY {p.column}"
        for i, p in enumerate(parts)
    )
    groups = [
        (parts[int(row["part"])], row["k"], int(row["n"]))
        for row in await connection.execute_query_dict(counts)
        if int(row["n"])
    ]
    found: Pairs = {}
    for start in range(0, len(groups), _CHUNK):
        chunk = groups[start : start + _CHUNK]
        selects: list[str] = []
        values: list[object] = []
        for part, key, n in chunk:
            match = f"{part.column} = ? AND " if part.column is not None else ""
            if part.column is not None:
                values += [key, key]
            # numbers and offsets are integers of our own making
            selects += [
                f"SELECT {len(selects) + j} AS i, (SELECT {part.way} FROM {part.table}"
                f" WHERE {match}{part.way} IS NOT NULL ORDER BY {_from_nearer_end(part.way, p, n)})"
                " AS v"
                for j, p in enumerate((MEDIAN, P90))
            ]
        statement = "\nUNION ALL\n".join(selects)
        result = await connection.execute_query_dict(statement, values)
        values_at = {int(row["i"]): int(row["v"]) for row in result}
        for i, (part, key, n) in enumerate(chunk):
            group = part.prefix if part.column is None else f"{part.prefix}{key}"
            found.setdefault(group, {})[part.way] = (n, values_at[2 * i], values_at[2 * i + 1])
    return found


def _from_nearer_end(way: str, percent: int, count: int) -> str:
    """``ORDER BY`` … ``OFFSET`` of the value at the nearest rank, walked from the nearer end.

    An offset is a walk along the index: the p90 is read from the top.
    """
    rank = nearest_rank(percent, count)
    if rank - 1 <= count - rank:
        return f"{way} LIMIT 1 OFFSET {rank - 1}"
    return f"{way} DESC LIMIT 1 OFFSET {count - rank}"
