"""What the reports benchmark measures, on one engine, and the chart's memory.

* ``bench_reports``: fill a database (:mod:`bench.reports_fill`), then time
  ``compute_metrics`` for ``month`` (the last 30 days, target ≤ 2 s) and the whole daily
  digest of yesterday with its chart (three metrics, the baseline's backlog, the hours,
  the text and the PNG; target ≤ 3 s). Each is run three times: the first (cold caches,
  and the digest's first chart imports matplotlib) and the median of the three are kept.
* ``chart_memory``: in a fresh process, the resident memory after importing what an idle
  desk imports (``botdesk.app``), whether matplotlib was loaded by that, and the memory
  after drawing one digest chart.
"""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Report

TARGET_MONTH, TARGET_DIGEST = 2.0, 3.0
ZONE = ZoneInfo("Europe/Moscow")


async def bench_reports(
    report: Report, url: str, *, tickets: int, messages: int, events: int
) -> None:
    """Fill ``url`` and time the month's metrics and the digest with its chart."""
    from bench.reports_fill import fill, generate
    from core import db
    from core.context import DeskContext
    from core.models import Ticket
    from core.reports.digest import build_digest
    from core.reports.digest_chart import draw_digest_chart
    from core.reports.digest_periods import DigestKind, period_of
    from core.reports.digest_text import digest_text
    from core.reports.metrics import compute_metrics
    from core.reports.period import parse_period

    now = datetime.now(UTC).replace(microsecond=0)
    await db.init_db(url)
    try:
        connection = Ticket._meta.db
        started = perf_counter()
        counts = await fill(connection, generate(tickets, messages, events, now))
        report.add("fill (set-up, bulk insert + ANALYZE)", perf_counter() - started, "s")
        report.details.update(counts)
        ctx = DeskContext(group_chat_id=-1001234567890, timezone=ZONE)
        today = now.astimezone(ZONE).date()
        month = parse_period("month", today, ZONE)

        async def the_month() -> Any:
            return await compute_metrics(month, ctx)

        async def the_digest() -> Any:
            day = period_of(DigestKind.DAILY, today - timedelta(days=1), ZONE)
            digest = await build_digest(DigestKind.DAILY, day, ctx)
            text = digest_text(digest, "ru", ctx.group_chat_id)
            return text, draw_digest_chart(digest, "ru")

        month_times, metrics = await _timed(the_month)
        report.details["month_new"] = metrics.volume.new
        report.add("`/report month` compute_metrics, first run", month_times[0], "s")
        report.add(
            "`/report month` compute_metrics, median of 3",
            statistics.median(month_times),
            "s",
            target=f"≤ {TARGET_MONTH:g} s",
            passed=max(month_times) <= TARGET_MONTH,
        )
        digest_times, (text, png) = await _timed(the_digest)
        report.details["digest_chars"], report.details["png_bytes"] = len(text), len(png)
        report.add(
            "daily digest with its chart, first run (imports matplotlib)", digest_times[0], "s"
        )
        report.add(
            "daily digest with its chart, median of 3",
            statistics.median(digest_times),
            "s",
            target=f"≤ {TARGET_DIGEST:g} s",
            passed=max(digest_times) <= TARGET_DIGEST,
        )
    finally:
        await db.close_db()


async def _timed(run: Any, times: int = 3) -> tuple[list[float], Any]:
    """Seconds of ``times`` awaits of ``run()``, and the last result."""
    spent, result = [], None
    for _ in range(times):
        started = perf_counter()
        result = await run()
        spent.append(perf_counter() - started)
    return spent, result


def rss_mb() -> float:
    """This process's resident memory now (``VmRSS``), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def chart_memory(report: Report) -> None:
    """RSS of an idle desk's imports, then after drawing one chart (run in a fresh process)."""
    from datetime import date

    import botdesk.app  # noqa: F401  (everything a running desk imports)
    import core.notices.digest_post  # noqa: F401
    from core.reports.digest import Digest, headline
    from core.reports.digest_chart import draw_digest_chart
    from core.reports.digest_periods import DigestKind
    from core.reports.figures import Backlog, Csat, Durations, SlaFigures, Volume
    from core.reports.metrics import Metrics
    from core.reports.period import Period

    idle = rss_mb()
    loaded = "matplotlib" in sys.modules
    report.add("RSS after an idle desk's imports", idle, "MB")
    report.add(
        "matplotlib imported by an idle desk",
        float(loaded),
        "",
        target="0 (no)",
        passed=not loaded,
    )
    day = date(2026, 3, 1)
    metrics = Metrics(
        Period(day, day, ZONE), Volume(120, 110, 4), Backlog(30, 5, None), Durations(),
        Durations(), Durations(), SlaFigures((), (), 0), Csat(0, None, (0, 0, 0, 0, 0), 0, 0, ()),
        (), (), (), (), tuple(abs(12 - h) for h in range(24)),
    )  # fmt: skip
    figures = headline(metrics, metrics, metrics, 7, [])
    minutes = tuple(60 * (h % 7 + 1) for h in range(24))
    digest = Digest(DigestKind.DAILY, metrics.period, 7, figures, metrics, minutes)
    draw_digest_chart(digest, "ru")
    after = rss_mb()
    report.add("RSS after drawing one chart", after, "MB")
    report.add("resident memory a chart adds", after - idle, "MB")
