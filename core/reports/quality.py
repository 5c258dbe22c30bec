"""How well: SLA hit rates and breaches, customer satisfaction and the low ratings.

The SLA figures read the clocks' stored outcomes (``sla_clocks``): a hit counts when its
clock stopped in the period, a breach when it breached in the period, each once.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import SlaClock, SlaOutcome, TicketPriority
from core.reports.figures import Breach, Comment, Csat, SlaFigures, SlaRate
from core.reports.period import Period
from core.reports.scope import ended, rated, within
from core.reports.sql import Binder, moment, rows

#: the longest list of breaches or low ratings a report carries (counts are complete)
MAX_LISTED = 100
#: ratings at or below this are low: they are listed with their comments
LOW_SCORE = 2


def _decided(bind: Binder, period: Period) -> str:
    """Rows ``clock``, ``outcome``, ``n``: the clocks that ended with an outcome in the period.

    A hit counts when its clock stopped in the period, a breach when it breached in it; no
    clock is both, so the two are counted apart, each from its own index alone.
    """
    return f"""
SELECT k.clock, k.outcome, COUNT(*) AS n FROM sla_clocks k
 WHERE k.outcome = {bind(SlaOutcome.HIT)} AND {within(bind, "k.stopped_at", period)}
 GROUP BY k.clock, k.outcome
UNION ALL
SELECT k.clock, k.outcome, COUNT(*) FROM sla_clocks k
 WHERE k.outcome = {bind(SlaOutcome.BREACHED)} AND {within(bind, "k.breached_at", period)}
 GROUP BY k.clock, k.outcome"""


async def sla(connection: BaseDBAsyncClient, period: Period) -> SlaFigures:
    """Hits and breaches per clock, and the period's breaches (newest first)."""
    bind = Binder(connection)
    statement = _decided(bind, period)
    counts = {(row["clock"], row["outcome"]): int(row["n"]) for row in await rows(
        connection, statement, bind
    )}  # fmt: skip
    rates = tuple(
        SlaRate(
            clock,
            counts.get((clock.value, SlaOutcome.HIT.value), 0),
            counts.get((clock.value, SlaOutcome.BREACHED.value), 0),
        )
        for clock in SlaClock
    )
    bind = Binder(connection)
    statement = f"""
SELECT k.ticket_id, k.clock, k.cycle, k.breached_at, t.priority, c.message_thread_id AS thread
  FROM sla_clocks k JOIN tickets t ON t.id = k.ticket_id
  JOIN conversations c ON c.id = t.conversation_id
 WHERE k.outcome = {bind(SlaOutcome.BREACHED)} AND {within(bind, "k.breached_at", period)}
 ORDER BY k.breached_at DESC, k.id DESC
 LIMIT {MAX_LISTED}"""
    breaches = tuple(
        Breach(
            ticket_id=int(row["ticket_id"]),
            thread_id=_maybe_int(row["thread"]),
            clock=SlaClock(row["clock"]),
            cycle=int(row["cycle"]),
            priority=TicketPriority(row["priority"]),
            breached_at=moment(row["breached_at"]),
        )
        for row in await rows(connection, statement, bind)
    )
    total = sum(rate.breaches for rate in rates)
    return SlaFigures(rates, breaches, total)


async def csat(connection: BaseDBAsyncClient, period: Period) -> Csat:
    """Ratings given in the period, the share of resolved tickets rated, the low ones."""
    bind = Binder(connection)
    statement = f"""
SELECT t.csat_score AS score, COUNT(*) AS n FROM tickets t
 WHERE t.csat_score IS NOT NULL AND {rated(bind, "t", period)}
 GROUP BY t.csat_score"""
    distribution = [0] * 5
    for row in await rows(connection, statement, bind):
        score = int(row["score"])
        if 1 <= score <= 5:
            distribution[score - 1] += int(row["n"])
    count = sum(distribution)
    total = sum(score * n for score, n in enumerate(distribution, start=1))
    bind = Binder(connection)
    statement = f"""
SELECT COUNT(*) AS resolved,
       COALESCE(SUM(CASE WHEN t.csat_score IS NOT NULL THEN 1 ELSE 0 END), 0) AS rated
  FROM tickets t WHERE {ended(bind, "t", period)}"""
    answered = (await rows(connection, statement, bind))[0]
    bind = Binder(connection)
    statement = f"""
SELECT t.id, t.csat_score AS score, t.csat_comment AS comment, c.message_thread_id AS thread
  FROM tickets t JOIN conversations c ON c.id = t.conversation_id
 WHERE t.csat_score <= {LOW_SCORE} AND {rated(bind, "t", period)}
 ORDER BY t.id
 LIMIT {MAX_LISTED}"""
    negative = tuple(
        Comment(int(row["id"]), _maybe_int(row["thread"]), int(row["score"]), row["comment"])
        for row in await rows(connection, statement, bind)
    )
    return Csat(
        count=count,
        average=total / count if count else None,
        distribution=(distribution[0], distribution[1], distribution[2], distribution[3],
                      distribution[4]),
        resolved=int(answered["resolved"]),
        rated=int(answered["rated"]),
        negative=negative,
    )  # fmt: skip


def _maybe_int(value: object) -> int | None:
    return int(str(value)) if value is not None else None
