"""Ranking: the same nearest-rank medians and p90s as a plain sort, on both engines."""

from __future__ import annotations

import random

from core.models import Ticket
from core.reports.ranking import rank_pairs
from core.reports.sql import MEDIAN, P90, Binder, nearest_rank

# group names whose byte order differs from other orders: upper case, Cyrillic, digits
GROUPS = ["tag:Zeta", "tag:alpha", "tag:срочно", "tag:Ёж", "operator:10", "operator:9", "x"]


def _expected(rows: list[tuple[str, int | None, int | None]]) -> dict[str, dict[str, tuple]]:
    found: dict[str, dict[str, tuple]] = {}
    for way, index in (("c", 1), ("b", 2)):
        for group in {row[0] for row in rows}:
            values = sorted(
                row[index] for row in rows if row[0] == group and row[index] is not None
            )
            if values:
                n = len(values)
                found.setdefault(group, {})[way] = (
                    n,
                    values[nearest_rank(MEDIAN, n) - 1],
                    values[nearest_rank(P90, n) - 1],
                )
    return found


async def test_rank_pairs_matches_a_plain_sort_with_nulls_ties_and_any_group_names(
    db: str,
) -> None:
    rng = random.Random(7)
    rows: list[tuple[str, int | None, int | None]] = []
    for group in GROUPS:
        for _ in range(rng.randint(1, 40)):
            c = rng.choice([None, rng.randint(0, 30), rng.randint(0, 100_000)])
            b = None if c is None and rng.random() < 0.5 else rng.randint(0, 50)
            rows.append((group, c, b))
    rows.append(("only-nulls", None, None))
    connection = Ticket._meta.db
    bind = Binder(connection)
    selects = [
        f"SELECT {bind(g)} AS g, CAST({bind(c)} AS INTEGER) AS c, CAST({bind(b)} AS INTEGER) AS b"
        for g, c, b in rows
    ]
    assert await rank_pairs(connection, bind, "", selects) == _expected(rows)
