"""How long things took: first and next response, resolution, overall and by split.

Every duration was stored when it happened (:mod:`core.timers.measures`); this module
only ranks them. The period's replies are read once; the first responses among them
are grouped overall, by channel, priority, operator and tag (``first|``,
``first|channel:telegram``, ``first|operator:3`` …), the next responses and the
resolutions overall, each with both its calendar (``c``) and business (``b``) seconds,
and :func:`core.reports.ranking.rank` ranks both per group. :class:`Timing` names the
results ``first|c|channel:telegram``, ``first|b|`` and so on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import ResponseKind
from core.reports.figures import Durations, Spread
from core.reports.period import Period
from core.reports.ranking import Source, rank
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


def _sources(period: Period) -> list[Source]:
    """The rows of every spread: the period's replies, read once, and what they group into.

    The replies come from the covering index on ``messages`` (migration 0012); the first
    responses are joined to their tickets and conversations once, and their tags to them;
    the resolved tickets are read from ``tickets``. Reading the messages once instead of
    once per group is what keeps a month of a busy desk within a second or so
    (BENCHMARKS.md, "Reports benchmarks").
    """

    def replies(bind: Binder, _: Mapping[str, str]) -> str:
        # placeholders are bound in the order they are written: the reply's, then the kinds'
        is_reply = reply(bind, "m", period)
        kinds = bind.many((ResponseKind.FIRST, ResponseKind.NEXT))
        return f"""
SELECT m.response_kind AS kind, m.response_seconds AS c, m.response_business_seconds AS b,
       m.author_id AS author, m.ticket_id AS ticket
  FROM messages m WHERE {is_reply} AND m.response_kind IN ({kinds})"""

    def resolved(bind: Binder, _: Mapping[str, str]) -> str:
        return f"""
SELECT t.resolution_seconds AS c, t.resolution_business_seconds AS b
  FROM tickets t WHERE {ended(bind, "t", period)}"""

    # a first response counts in the groups only with its ticket (and so its conversation)
    def firsts(_: Binder, names: Mapping[str, str]) -> str:
        return f"""
SELECT rp.c, rp.b, rp.author AS operator, c.channel, t.priority, t.tags
  FROM {names["replies"]} rp JOIN tickets t ON t.id = rp.ticket
  JOIN conversations c ON c.id = t.conversation_id
 WHERE rp.kind = '{ResponseKind.FIRST.value}'"""

    def tags(bind: Binder, names: Mapping[str, str]) -> str:
        return f"SELECT tag.value AS tag, f.c, f.b FROM {names['firsts']} f {tag_source(bind, 'f')}"

    def nexts(_: Binder, names: Mapping[str, str]) -> str:
        return f"""
SELECT rp.c, rp.b FROM {names["replies"]} rp WHERE rp.kind = '{ResponseKind.NEXT.value}'"""

    first = f"{FIRST}|"
    splits = {"channel": "channel:", "priority": "priority:", "operator": "operator:"}
    # the sources that bind values come first: SQLite creates the others in one script
    return [
        Source("replies", replies),
        Source("resolved", resolved, overall=f"{RESOLUTION}|"),
        Source("firsts", firsts, first, {k: first + v for k, v in splits.items()}),
        Source("tags", tags, splits={"tag": f"{first}tag:"}),
        Source("nexts", nexts, overall=f"{NEXT}|"),
    ]


async def timing(connection: BaseDBAsyncClient, period: Period) -> Timing:
    """The median and p90 of every duration of the period."""
    found = await rank(connection, _sources(period))
    groups = {}
    for g, ways in found.items():
        measure, _, split = str(g).partition("|")
        for way, figures in ways.items():
            groups[f"{measure}|{way}|{split}"] = figures
    return Timing(groups)
