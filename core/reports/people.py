"""What each operator did in a period: assigned, replies, resolved, their ratings.

One statement gathers every count per operator (a ``UNION ALL`` of grouped selects, one
per figure); a second names the operators. Their first response spreads come with the
period's other durations (:mod:`core.reports.timing`, groups ``operator:<id>``).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import EventKind
from core.models import Operator
from core.reports.figures import OperatorFigures
from core.reports.period import Period
from core.reports.scope import ended, rated, reply, within
from core.reports.sql import Binder, json_int, rows
from core.reports.timing import FIRST, Timing

ASSIGNED, REPLIES, RESOLVED, RATED = "assigned", "replies", "resolved", "rated"


def _counts(bind: Binder, period: Period) -> str:
    """Rows ``what``, ``op`` (operator row id), ``n``, ``total`` for every figure."""
    # assignments are counted per Telegram id before the join: SQLite otherwise read each
    # event's JSON once per operator
    assignee = json_int(bind, "e.data", "operator")
    # an album is one reply, however many parts it has (counted without turning every
    # message id into text: that doubled the statement's time on a month of a busy desk)
    one_reply = "SUM(CASE WHEN m.album_id IS NULL THEN 1 ELSE 0 END) + COUNT(DISTINCT m.album_id)"
    return f"""
SELECT '{ASSIGNED}' AS what, o.id AS op, a.n AS n, 0 AS total
  FROM (SELECT {assignee} AS tg, COUNT(*) AS n FROM events e
         WHERE e.kind = {bind(EventKind.ASSIGNED)} AND {within(bind, "e.created_at", period)}
         GROUP BY {assignee}) a
  JOIN operators o ON o.telegram_id = a.tg
UNION ALL
SELECT '{REPLIES}', m.author_id, {one_reply}, 0
  FROM messages m WHERE {reply(bind, "m", period)}
 GROUP BY m.author_id
UNION ALL
SELECT '{RESOLVED}', t.assignee_id, COUNT(*), 0
  FROM tickets t WHERE {ended(bind, "t", period)} AND t.assignee_id IS NOT NULL
 GROUP BY t.assignee_id
UNION ALL
SELECT '{RATED}', t.assignee_id, COUNT(*), SUM(t.csat_score)
  FROM tickets t
 WHERE t.csat_score IS NOT NULL AND t.assignee_id IS NOT NULL AND {rated(bind, "t", period)}
 GROUP BY t.assignee_id"""


async def operators(
    connection: BaseDBAsyncClient, period: Period, timing: Timing
) -> tuple[OperatorFigures, ...]:
    """The figures of every operator who did anything in the period, by name."""
    bind = Binder(connection)
    figures: dict[int, dict[str, tuple[int, int]]] = {}
    for row in await rows(connection, _counts(bind, period), bind):
        if row["op"] is None:
            continue
        per = figures.setdefault(int(row["op"]), {})
        per[str(row["what"])] = (int(row["n"]), int(row["total"] or 0))
    if not figures:
        return ()
    people = await Operator.filter(id__in=list(figures)).using_db(connection)
    result = []
    for person in people:
        per = figures[person.id]
        ratings, score_sum = per.get(RATED, (0, 0))
        result.append(
            OperatorFigures(
                operator_id=person.id,
                telegram_id=person.telegram_id,
                name=person.name,
                assigned=per.get(ASSIGNED, (0, 0))[0],
                replies=per.get(REPLIES, (0, 0))[0],
                resolved=per.get(RESOLVED, (0, 0))[0],
                first_response=timing.of(FIRST, f"operator:{person.id}"),
                csat_count=ratings,
                csat_average=score_sum / ratings if ratings else None,
            )
        )
    return tuple(sorted(result, key=lambda one: (one.name.casefold(), one.operator_id)))
