"""Medians and p90s of durations counted two ways, for many groups at once.

Each row ranked gives ``g`` (its group), ``c`` and ``b`` (a duration in calendar and in
business seconds). :func:`rank_pairs` answers ``{g: {way: (count, median, p90)}}`` with
the nearest rank (:func:`core.reports.sql.nearest_rank`); NULLs are left out.

* PostgreSQL ranks with the ordered-set aggregate ``percentile_disc``, which is that
  nearest rank, in one statement.
* SQLite has no such aggregate, and its window functions cost several times a plain sort
  (a month of a busy desk ranks some 300,000 rows two ways). So each way's values are
  copied, sorted by group and value, into a temporary table whose row ids are then their
  positions: a group's first position and size give the rows of its median and p90 by
  their ids. The rows are read from the period's tables once, into a first temporary
  table, and every temporary table is dropped at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.reports.sql import MEDIAN, P90, WAYS, Binder, rows

Pairs = dict[Any, dict[str, tuple[int, int, int]]]

# temporary tables belong to the connection: a number per use keeps reports that run
# at the same time apart
_numbers = itertools.count(1)

_PICK = f"""
SELECT k.g AS g, k.n AS n, m.v AS median, p.v AS p90
  FROM (SELECT g, MIN(pos) AS first, COUNT(*) AS n FROM {{table}} GROUP BY g) k
  JOIN {{table}} m ON m.pos = k.first + ({MEDIAN} * k.n + 99) / 100 - 1
  JOIN {{table}} p ON p.pos = k.first + ({P90} * k.n + 99) / 100 - 1"""


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
        per = found.setdefault(row["g"], {})
        for w in WAYS:
            n = int(row[f"n_{w}"] or 0)
            if n:
                per[w] = (n, int(row[f"median_{w}"]), int(row[f"p90_{w}"]))
    return found


async def _sorted(connection: BaseDBAsyncClient, bind: Binder, common: str, union: str) -> Pairs:
    number = next(_numbers)
    spread = f"report_spread_{number}"
    tables = [spread]
    found: Pairs = {}
    try:
        await connection.execute_query(
            f"CREATE TEMP TABLE {spread} AS {common}\nSELECT g, c, b FROM ({union}) s", bind.values
        )
        for w in WAYS:
            table = f"report_sorted_{number}_{w}"
            tables.append(table)
            await connection.execute_script(
                f"CREATE TEMP TABLE {table} "
                "(pos INTEGER PRIMARY KEY, g TEXT NOT NULL, v INTEGER NOT NULL);\n"
                # inserted in order, so each row's id is its position among the sorted
                f"INSERT INTO {table} (g, v) "
                f"SELECT g, {w} FROM {spread} WHERE {w} IS NOT NULL ORDER BY g, {w};"
            )
            for row in await connection.execute_query_dict(_PICK.format(table=table)):
                found.setdefault(row["g"], {})[w] = (
                    int(row["n"]),
                    int(row["median"]),
                    int(row["p90"]),
                )
    finally:
        await connection.execute_script(
            "\n".join(f"DROP TABLE IF EXISTS temp.{table};" for table in tables)
        )
    return found
