"""The digest's own figures beyond :func:`~core.reports.metrics.compute_metrics`.

* :func:`first_response_by_hour` — the chart's line: the first response median of the
  tickets opened in each desk-time hour of the period (one statement, ranked by
  :func:`~core.reports.sql.percentiles`);
* :func:`backlog_at_ends` — the backlog at the end of several days (one statement), for
  the backlog's baseline average.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from core.reports.period import Period
from core.reports.scope import backlog, opened
from core.reports.sql import Binder, local_hour, ranked, read_percentiles, rows


async def first_response_by_hour(
    connection: BaseDBAsyncClient, period: Period
) -> tuple[int | None, ...]:
    """First response median (calendar seconds) per hour of opening, 0–23; None: no reply.

    The tickets opened in the period in that hour whose first reply was measured (at any
    time since): what a customer who wrote at that hour waited.
    """
    bind = Binder(connection)
    hour = local_hour(bind, "t.opened_at", period.zone, period.start, period.end)
    inner = f"""
SELECT {hour} AS g, t.first_response_seconds AS v FROM tickets t
 WHERE {opened(bind, "t", period)}"""
    found = read_percentiles(await rows(connection, ranked(bind, [inner]), bind))
    medians: list[int | None] = [None] * 24
    for group, (_count, median, _p90) in found.items():
        medians[int(group) % 24] = median
    return tuple(medians)


async def backlog_at_ends(
    connection: BaseDBAsyncClient, zone: ZoneInfo, days: list[date]
) -> list[tuple[int, int]]:
    """The backlog (open, unassigned) at the end of each of ``days`` (desk time)."""
    if not days:
        return []
    bind = Binder(connection)
    ends = [Period(day, day, zone).end for day in days]
    row = (await rows(connection, backlog(bind, ends), bind))[0]
    return [(int(row[f"o{i}"]), int(row[f"u{i}"])) for i in range(len(days))]
