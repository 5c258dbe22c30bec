"""How many tickets: opened, resolved, reopened, the backlog, load by hour and the splits.

Each function is one statement, whatever the number of tickets.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import ACTIVE_TICKET_STATUSES, EventKind
from core.reports.figures import Backlog, Volume, WaitingTicket
from core.reports.period import Period
from core.reports.scope import backlog, ended, opened, within
from core.reports.sql import Binder, local_hour, moment, rows, tag_source


async def volume(connection: BaseDBAsyncClient, period: Period) -> tuple[Volume, Backlog]:
    """New, resolved and reopened tickets of the period, and the backlog at its end."""
    bind = Binder(connection)
    statement = f"""
SELECT (SELECT COUNT(*) FROM tickets t WHERE {opened(bind, "t", period)}) AS new,
       (SELECT COUNT(*) FROM tickets t WHERE {ended(bind, "t", period)}) AS resolved,
       (SELECT COUNT(DISTINCT e.ticket_id) FROM events e
         WHERE e.kind = {bind(EventKind.REOPENED)} AND {within(bind, "e.created_at", period)}
       ) AS reopened,
       b.o0 AS backlog, b.u0 AS unassigned
  FROM ({backlog(bind, [period.end])}) b"""
    row = (await rows(connection, statement, bind))[0]
    waiting = await oldest_waiting(connection, period)
    counts = Volume(int(row["new"]), int(row["resolved"]), int(row["reopened"]))
    return counts, Backlog(int(row["backlog"]), int(row["unassigned"]), waiting)


async def oldest_waiting(connection: BaseDBAsyncClient, period: Period) -> WaitingTicket | None:
    """The open ticket whose customer has waited longest for a reply since before the end."""
    bind = Binder(connection)
    statement = f"""
SELECT t.id, t.awaiting_reply_since AS since, c.message_thread_id AS thread
  FROM tickets t JOIN conversations c ON c.id = t.conversation_id
 WHERE t.status IN ({bind.many(ACTIVE_TICKET_STATUSES)})
   AND t.awaiting_reply_since < {bind(period.end)}
 ORDER BY t.awaiting_reply_since, t.id
 LIMIT 1"""
    found = await rows(connection, statement, bind)
    if not found:
        return None
    thread = found[0]["thread"]
    return WaitingTicket(
        int(found[0]["id"]), int(thread) if thread is not None else None, moment(found[0]["since"])
    )


async def load_by_hour(connection: BaseDBAsyncClient, period: Period) -> tuple[int, ...]:
    """New tickets per hour of the day (0–23, desk time) over the period."""
    bind = Binder(connection)
    hour = local_hour(bind, "t.opened_at", period.zone, period.start, period.end)
    statement = f"""
SELECT h, COUNT(*) AS n FROM (
  SELECT {hour} AS h FROM tickets t WHERE {opened(bind, "t", period)}
) s GROUP BY h"""
    counts = [0] * 24
    for row in await rows(connection, statement, bind):
        counts[int(row["h"]) % 24] += int(row["n"])
    return tuple(counts)


async def split_counts(
    connection: BaseDBAsyncClient, period: Period
) -> dict[str, dict[str, tuple[int, int]]]:
    """``{dimension: {key: (new, resolved)}}`` of the period's tickets, in one statement.

    The dimensions are ``channel``, ``priority`` and ``tag`` (a ticket counts once per
    tag). The period's tickets are read once, then counted by each dimension: those
    opened in it, then those ended in it but opened before or after (each part from its
    own indexes; one condition with OR would read every ticket on SQLite).
    """
    bind = Binder(connection)
    scope = f"""
SELECT t.conversation_id, t.priority, t.tags, 1 AS new,
       CASE WHEN {ended(bind, "t", period)} THEN 1 ELSE 0 END AS resolved
  FROM tickets t WHERE {opened(bind, "t", period)}
UNION ALL
SELECT t.conversation_id, t.priority, t.tags, 0, 1
  FROM tickets t WHERE {ended(bind, "t", period)} AND NOT {opened(bind, "t", period)}"""
    sums = "SUM(s.new) AS new, SUM(s.resolved) AS resolved"
    statement = f"""
WITH scope AS MATERIALIZED ({scope})
SELECT 'channel' AS d, c.channel AS k, {sums}
  FROM scope s JOIN conversations c ON c.id = s.conversation_id GROUP BY c.channel
UNION ALL
SELECT 'priority', s.priority, {sums} FROM scope s GROUP BY s.priority
UNION ALL
SELECT 'tag', tag.value, {sums} FROM scope s {tag_source(bind, "s")} GROUP BY tag.value"""
    found: dict[str, dict[str, tuple[int, int]]] = {"channel": {}, "priority": {}, "tag": {}}
    for row in await rows(connection, statement, bind):
        found[str(row["d"])][str(row["k"])] = (int(row["new"]), int(row["resolved"]))
    return found
