"""Hand-built metrics for the report texts and charts (no database needed)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.enums import SlaClock
from core.reports.figures import (
    Backlog,
    Comment,
    Csat,
    Durations,
    OperatorFigures,
    SlaFigures,
    SlaRate,
    Split,
    Spread,
    Volume,
    WaitingTicket,
)
from core.reports.metrics import Metrics
from core.reports.period import Period

ZONE = ZoneInfo("Europe/Moscow")
GROUP = -1001234567890
#: the moment the report is asked for: the oldest waiting customer wrote 65 minutes before
NOW = datetime(2026, 3, 2, 15, 5, tzinfo=ZONE)


def spread(count: int, median: int, p90: int) -> Spread:
    return Spread(count, median, p90)


def operator(n: int, name: str, replies: int) -> OperatorFigures:
    return OperatorFigures(
        operator_id=n,
        telegram_id=1000 + n,
        name=name,
        assigned=3,
        replies=replies,
        resolved=2,
        first_response=Durations(spread(2, 300, 600), spread(2, 200, 500)),
        csat_count=2,
        csat_average=4.5,
    )


def metrics(
    *,
    comments: int = 1,
    operators: int = 2,
    tags: int = 2,
    comment: str = "Коробка пришла помятой <b>",
) -> Metrics:
    """A day of 1,234 new tickets, with ``comments`` low ratings, operators and tags."""
    first = Durations(spread(10, 3900, 7200), spread(10, 1800, 3600))
    return Metrics(
        period=Period(date(2026, 3, 2), date(2026, 3, 2), ZONE),
        volume=Volume(new=1234, resolved=3, reopened=1),
        backlog=Backlog(
            open=4,
            unassigned=2,
            oldest_waiting=WaitingTicket(12, 77, datetime(2026, 3, 2, 14, 0, tzinfo=ZONE)),
        ),
        first_response=first,
        next_response=Durations(spread(4, 180, 240), spread(4, 180, 240)),
        resolution=Durations(spread(3, 7200, 90000), spread(3, 3600, 36000)),
        sla=SlaFigures(
            rates=(
                SlaRate(SlaClock.FIRST_RESPONSE, hits=7, breaches=1),
                SlaRate(SlaClock.NEXT_RESPONSE, hits=0, breaches=0),
                SlaRate(SlaClock.RESOLUTION, hits=1, breaches=1),
            ),
            breaches=(),
            breach_count=2,
        ),
        csat=Csat(
            count=4,
            average=4.25,
            distribution=(1, 0, 0, 0, 3),
            resolved=3,
            rated=2,
            negative=tuple(Comment(100 + i, 200 + i, 1, comment) for i in range(comments)),
        ),
        operators=tuple(operator(i, f"Оператор {i}", replies=i) for i in range(operators)),
        channels=(Split("telegram", 1200, 3, first), Split("vk", 34, 0, Durations())),
        tags=tuple(Split(f"tag{i}", i, 0, first) for i in range(tags)),
        priorities=(Split("normal", 1234, 3, first), Split("urgent", 0, 0, Durations())),
        load_by_hour=tuple(i % 5 for i in range(24)),
    )
