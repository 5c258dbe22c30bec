"""Medians and p90s of durations counted two ways, for many groups at once.

Each row ranked gives ``g`` (its group), ``c`` and ``b`` (a duration in calendar and in
business seconds). :func:`rank_pairs` answers ``{g: {way: (count, median, p90)}}`` with
the nearest rank (:func:`core.reports.sql.nearest_rank`); NULLs are left out.

* PostgreSQL ranks with the ordered-set aggregate ``percentile_disc``, which is that
  nearest rank, in one statement.
* SQLite has no such aggregate, and its window functions cost several times a plain sort
  (a month of a busy desk ranks some 300,000 rows two ways). So each way's values are
  copied, sorted by group and value, into a temporary table whose row ids are then their
  positions; the groups' sizes, counted once, give each group's first position, and so
  the ids of the rows holding its median and p90. The rows are read from the period's
  tables once, into a first temporary table; every temporary table is dropped at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.reports.sql import MEDIAN, P90, WAYS, Binder, nearest_rank, rows

Pairs = dict[Any, dict[str, tuple[int, int, int]]]

# temporary tables belong to the connection: a number per use keeps reports that run
# at the same time apart
_numbers = itertools.count(1)

# positions read per statement (two per group: a report has a few dozen groups)
_CHUNK = 500


async def rank_pairs(
    connection: BaseDBAsyncClient, bind: Binder, common: str, selects: Sequence[str]
) -> Pairs:
    """The median and p90 of ``c`` and ``b`` per ``g`` over the union of ``selects``.

    ``common`` is a ``WITH`` clause the selects read from (or ""); ``bind`` holds the
    values of both.
    """
    union = "\nUNION ALL\n".join(selects)
    if bind.postgres:
        return _read(await rows(connection, f"{common}\n{_aggregate(union)}", bind))
    return await _sorted(connection, bind, common, union)


def _aggregate(union: str) -> str:
    figures = ",\n       ".join(
        f"COUNT({w}) AS n_{w}, "
        f"percentile_disc({MEDIAN / 100}) WITHIN GROUP (ORDER BY {w}) AS median_{w}, "
        f"percentile_disc({P90 / 100}) WITHIN GROUP (ORDER BY {w}) AS p90_{w}"
        for w in WAYS
    )
    return f"SELECT g, {figures}\n  FROM ({union}) s\n GROUP BY g"


def _read(result: Sequence[dict[str, Any]]) -> Pairs:
    found: Pairs = {}
    for row in result:
        for w in WAYS:
            n = int(row[f"n_{w}"] or 0)
            if n:  # a group with no value counted that way has no figures of it
                found.setdefault(row["g"], {})[w] = (
                    n,
                    int(row[f"median_{w}"]),
                    int(row[f"p90_{w}"]),
                )
    return found


async def _sorted(connection: BaseDBAsyncClient, bind: Binder, common: str, union: str) -> Pairs:
    number = next(_numbers)
    spread = f"report_spread_{number}"
    tables = [spread]
    found: Pairs = {}
    try:
        await connection.execute_query(
            f"CREATE TEMP TABLE {spread} AS {common}\nSELECT g, c, b FROM ({union}) s"
            " WHERE g IS NOT NULL",
            bind.values,
        )
        counts = await connection.execute_query_dict(
            f"SELECT g, COUNT(c) AS n_c, COUNT(b) AS n_b FROM {spread} GROUP BY g"
        )
        # SQLite orders text by its UTF-8 bytes: so do the positions worked out here
        counts.sort(key=lambda row: str(row["g"]).encode())
        for w in WAYS:
            table = f"report_sorted_{number}_{w}"
            tables.append(table)
            await connection.execute_script(
                f"CREATE TEMP TABLE {table} (pos INTEGER PRIMARY KEY, v INTEGER NOT NULL);\n"
                # inserted in order, so each row's id is its position among the sorted
                f"INSERT INTO {table} (v) "
                f"SELECT {w} FROM {spread} WHERE {w} IS NOT NULL ORDER BY g, {w};"
            )
            await _pick(connection, table, w, counts, found)
    finally:
        await connection.execute_script(
            "\n".join(f"DROP TABLE IF EXISTS temp.{table};" for table in tables)
        )
    return found


async def _pick(
    connection: BaseDBAsyncClient,
    table: str,
    way: str,
    counts: Sequence[dict[str, Any]],
    found: Pairs,
) -> None:
    """Read each group's median and p90 of ``way`` by their positions in ``table``."""
    wanted: dict[Any, tuple[int, int, int]] = {}
    first = 1  # the position of the group's smallest value
    for row in counts:
        n = int(row[f"n_{way}"])
        if n:
            median, p90 = (first + nearest_rank(p, n) - 1 for p in (MEDIAN, P90))
            wanted[row["g"]] = (n, median, p90)
            first += n
    if not wanted:
        return
    positions = sorted({pos for _, median, p90 in wanted.values() for pos in (median, p90)})
    values: dict[int, int] = {}
    for start in range(0, len(positions), _CHUNK):
        chunk = positions[start : start + _CHUNK]
        marks = ", ".join(str(pos) for pos in chunk)  # integers of our own making
        for row in await connection.execute_query_dict(
            f"SELECT pos, v FROM {table} WHERE pos IN ({marks})"
        ):
            values[int(row["pos"])] = int(row["v"])
    for g, (n, median, p90) in wanted.items():
        found.setdefault(g, {})[way] = (n, values[median], values[p90])
