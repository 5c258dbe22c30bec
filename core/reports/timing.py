"""How long things took: first and next response, resolution, overall and by split.

Every duration was stored when it happened (:mod:`core.timers.measures`); this module
only ranks them. All the spreads of a period come from one statement: each measured
reply or resolution is selected once per group it belongs to (``first|`` overall,
``first|channel:telegram``, ``first|operator:3`` …) with both its calendar (``c``) and
business (``b``) seconds, and :func:`core.reports.ranking.rank_pairs` ranks both per group.
:class:`Timing` names the results ``first|c|channel:telegram``, ``first|b|`` and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import ResponseKind
from core.reports.figures import Durations, Spread
from core.reports.period import Period
from core.reports.ranking import rank_pairs
from core.reports.scope import ended, reply
from core.reports.sql import Binder, tag_source

FIRST, NEXT, RESOLUTION = "first", "next", "resolution"


@dataclass(frozen=True, slots=True)
class Timing:
    """Every spread of a period, by group name (see :meth:`of`)."""

    groups: dict[str, tuple[int, int, int]]

    def of(self, measure: str, split: str = "") -> Durations:
        """The spreads of ``measure`` (overall, or of ``split`` such as ``channel:vk``)."""
        return Durations(self._spread(measure, "c", split), self._spread(measure, "b", split))

    def _spread(self, measure: str, way: str, split: str) -> Spread:
        found = self.groups.get(f"{measure}|{way}|{split}")
        return Spread(*found) if found is not None else Spread()


def _label(*parts: str) -> str:
    """SQL concatenating literal text and SQL expressions (each part given as SQL)."""
    return " || ".join(parts)


def _statement(bind: Binder, period: Period) -> tuple[str, list[str]]:
    """The common table expressions and the selects of every spread's rows.

    The period's replies are read once, into a materialized common table expression
    (the first responses joined to their tickets and conversations apart, in a second
    one), and so are its resolved tickets; every group selects from those, and
    :func:`~core.reports.ranking.rank_pairs` ranks them. Reading the messages once instead of
    once per group is what keeps a month of a busy desk within a second or so
    (BENCHMARKS.md, "Reports benchmarks").
    """
    # placeholders are bound in the order they are written: the reply's, then the kinds'
    is_reply = reply(bind, "m", period)
    kinds = bind.many((ResponseKind.FIRST, ResponseKind.NEXT))
    replies = f"""
SELECT m.response_kind AS kind, m.response_seconds AS c, m.response_business_seconds AS b,
       m.author_id AS author, m.ticket_id AS ticket
  FROM messages m WHERE {is_reply} AND m.response_kind IN ({kinds})"""
    # a first response counts in the groups only with its ticket (and so its conversation)
    firsts = f"""
SELECT rp.c, rp.b, rp.author, c.channel, t.priority, t.tags
  FROM replies rp JOIN tickets t ON t.id = rp.ticket
  JOIN conversations c ON c.id = t.conversation_id
 WHERE rp.kind = '{ResponseKind.FIRST.value}'"""
    resolved = f"""
SELECT t.resolution_seconds AS c, t.resolution_business_seconds AS b
  FROM tickets t WHERE {ended(bind, "t", period)}"""
    tags = tag_source(bind, "f")
    first = f"'{FIRST}|'"
    groups = [
        first,
        _label(first, "'channel:'", "f.channel"),
        _label(first, "'priority:'", "f.priority"),
        _label(first, "'operator:'", "CAST(f.author AS TEXT)"),
    ]
    selects = [f"SELECT {group} AS g, f.c AS c, f.b AS b FROM firsts f" for group in groups]
    tag = _label(first, "'tag:'", "tag.value")
    selects.append(f"SELECT {tag} AS g, f.c AS c, f.b AS b FROM firsts f {tags}")
    is_next = f"rp.kind = '{ResponseKind.NEXT.value}'"
    selects.append(f"SELECT '{NEXT}|' AS g, rp.c, rp.b FROM replies rp WHERE {is_next}")
    selects.append(f"SELECT '{RESOLUTION}|' AS g, rs.c, rs.b FROM resolved rs")
    tables = ",\n ".join(
        f"{name} AS MATERIALIZED ({sql})"
        for name, sql in (("replies", replies), ("firsts", firsts), ("resolved", resolved))
    )
    return f"WITH {tables}", selects


async def timing(connection: BaseDBAsyncClient, period: Period) -> Timing:
    """The median and p90 of every duration of the period (one statement)."""
    bind = Binder(connection)
    common, selects = _statement(bind, period)
    found = await rank_pairs(connection, bind, common, selects)
    groups = {}
    for g, ways in found.items():
        measure, _, split = str(g).partition("|")
        for way, figures in ways.items():
            groups[f"{measure}|{way}|{split}"] = figures
    return Timing(groups)
