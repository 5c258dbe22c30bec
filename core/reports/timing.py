"""How long things took: first and next response, resolution, overall and by split.

Every duration was stored when it happened (:mod:`core.timers.measures`); this module
only ranks them. All the spreads of a period come from one statement: each measured
value is selected once per group it belongs to (``first|c|`` overall, ``first|c|channel:
telegram``, ``first|b|operator:3`` …), and :func:`core.reports.sql.percentiles` ranks
them per group. ``c`` groups hold calendar seconds, ``b`` groups business seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import ResponseKind
from core.reports.figures import Durations, Spread
from core.reports.period import Period
from core.reports.scope import ended, reply
from core.reports.sql import Binder, percentiles, read_percentiles, rows, tag_source

FIRST, NEXT, RESOLUTION = "first", "next", "resolution"
#: the columns of the two ways of counting, on replies and on tickets
WAYS = {
    "c": ("m.response_seconds", "t.resolution_seconds"),
    "b": ("m.response_business_seconds", "t.resolution_business_seconds"),
}


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


def _sources(bind: Binder, period: Period) -> list[str]:
    """The selects of ``(g, v)`` rows, one per way of counting and group it feeds."""
    selects = []
    for way, (response, resolution) in WAYS.items():
        first = f"'{FIRST}|{way}|'"
        replies = """messages m JOIN tickets t ON t.id = m.ticket_id
  JOIN conversations c ON c.id = t.conversation_id"""
        groups = [
            first,
            _label(first, "'channel:'", "c.channel"),
            _label(first, "'priority:'", "t.priority"),
            _label(first, "'operator:'", "CAST(m.author_id AS TEXT)"),
        ]
        for group in groups:
            where = f"{reply(bind, 'm', period)} AND m.response_kind = {bind(ResponseKind.FIRST)}"
            selects.append(f"SELECT {group} AS g, {response} AS v FROM {replies} WHERE {where}")
        tags = tag_source(bind, "t")
        where = f"{reply(bind, 'm', period)} AND m.response_kind = {bind(ResponseKind.FIRST)}"
        tag = _label(first, "'tag:'", "tag.value")
        selects.append(f"SELECT {tag} AS g, {response} AS v FROM {replies} {tags} WHERE {where}")
        where = f"{reply(bind, 'm', period)} AND m.response_kind = {bind(ResponseKind.NEXT)}"
        nexts = f"'{NEXT}|{way}|'"
        selects.append(f"SELECT {nexts} AS g, {response} AS v FROM messages m WHERE {where}")
        selects.append(
            f"SELECT '{RESOLUTION}|{way}|' AS g, {resolution} AS v FROM tickets t "
            f"WHERE {ended(bind, 't', period)}"
        )
    return selects


async def timing(connection: BaseDBAsyncClient, period: Period) -> Timing:
    """The median and p90 of every duration of the period (one statement)."""
    bind = Binder(connection)
    inner = "\nUNION ALL\n".join(_sources(bind, period))
    found = read_percentiles(await rows(connection, percentiles(inner), bind))
    return Timing({str(g): figures for g, figures in found.items()})
