"""Ranking: the same nearest-rank medians and p90s as a plain sort, on both engines."""

from __future__ import annotations

import random
from collections.abc import Mapping

from core.models import Ticket
from core.reports.ranking import Source, rank
from core.reports.sql import MEDIAN, P90, Binder, nearest_rank

# group names whose byte order differs from other orders: upper case, Cyrillic, digits
GROUPS = ["Zeta", "alpha", "срочно", "Ёж", "10", "9", "x"]
Rows = list[tuple[str | None, int | None, int | None]]


def _figures(values: list[int]) -> tuple[int, int, int]:
    values, n = sorted(values), len(values)
    return n, values[nearest_rank(MEDIAN, n) - 1], values[nearest_rank(P90, n) - 1]


def _expected(rows: Rows) -> dict[str, dict[str, tuple]]:
    found: dict[str, dict[str, tuple]] = {}
    for way, index in (("c", 1), ("b", 2)):
        everything = [row[index] for row in rows if row[index] is not None]
        if everything:
            found.setdefault("all", {})[way] = _figures(everything)  # type: ignore[arg-type]
        for group in {row[0] for row in rows if row[0] is not None}:
            values = [row[index] for row in rows if row[0] == group and row[index] is not None]
            if values:
                found.setdefault(f"tag:{group}", {})[way] = _figures(values)  # type: ignore[arg-type]
    return found


def _rows() -> Rows:
    rng = random.Random(7)
    rows: Rows = []
    for group in GROUPS:
        for _ in range(rng.randint(1, 40)):
            c = rng.choice([None, rng.randint(0, 30), rng.randint(0, 100_000)])
            b = None if c is None and rng.random() < 0.5 else rng.randint(0, 50)
            rows.append((group, c, b))
    rows.append(("only-nulls", None, None))
    rows.append((None, 5, 7))  # in no split group, but in the overall one
    return rows


async def test_rank_matches_a_plain_sort_with_nulls_ties_and_any_group_names(db: str) -> None:
    rows = _rows()

    def given(bind: Binder, _: Mapping[str, str]) -> str:
        return "\nUNION ALL\n".join(
            f"SELECT CAST({bind(g)} AS TEXT) AS g,"
            f" CAST({bind(c)} AS INTEGER) AS c, CAST({bind(b)} AS INTEGER) AS b"
            for g, c, b in rows
        )

    def again(_: Binder, names: Mapping[str, str]) -> str:
        return f"SELECT g AS tag, c, b FROM {names['given']}"

    sources = [Source("given", given), Source("again", again, "all", {"tag": "tag:"})]
    assert await rank(Ticket._meta.db, sources) == _expected(rows)


async def test_rank_reads_more_groups_than_one_statement_holds(db: str) -> None:
    rng = random.Random(11)
    rows: Rows = [(f"g{n}", rng.randint(0, 99), rng.randint(0, 99)) for n in range(300)]
    rows += [(f"g{n}", rng.randint(0, 99), None) for n in range(0, 300, 7)]

    def given(bind: Binder, _: Mapping[str, str]) -> str:
        return "\nUNION ALL\n".join(
            f"SELECT CAST({bind(g)} AS TEXT) AS tag,"
            f" CAST({bind(c)} AS INTEGER) AS c, CAST({bind(b)} AS INTEGER) AS b"
            for g, c, b in rows
        )

    found = await rank(Ticket._meta.db, [Source("given", given, "all", {"tag": "tag:"})])
    assert found == _expected(rows)
