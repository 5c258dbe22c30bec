"""The managers' digest: a period's headline figures against the period before and a baseline.

For a daily digest of day D: the metrics of D, of D-1, and of the 7 days D-7..D-1 (the
baseline); a weekly digest compares its ISO week with the week before and the 4 weeks
before it. Every headline figure (:class:`Figure`) carries its value, the previous
period's and the baseline's per-period average:

* counts (new, resolved, reopened): the baseline's total divided by its periods;
* the backlog (open, unassigned at the period's end): the mean of the backlog at the end
  of each baseline period;
* medians, the SLA hit rate and the CSAT average: those of the baseline taken as one
  period (a mean of daily medians would weigh a quiet Sunday like a busy Monday).

The text (:mod:`core.reports.digest_text`) and the chart (:mod:`core.reports.digest_chart`)
are drawn from a :class:`Digest`; nothing here formats or draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.i18n import _
from core.models import Ticket
from core.reports.digest_hours import backlog_at_ends, first_response_by_hour
from core.reports.digest_periods import BASELINE_PERIODS, DigestKind
from core.reports.metrics import Metrics, compute_metrics
from core.reports.period import Period


class Measure(StrEnum):
    """What a figure's number is, which says how it and its changes are written."""

    COUNT = "count"
    DURATION = "duration"  # whole seconds
    RATE = "rate"  # a share, 0–1
    SCORE = "score"  # a CSAT average, 1–5


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline line: ``value`` now, ``before`` (the previous period), ``average``.

    ``name`` is the line's msgid. ``None`` is "nothing measured" (no replies, no ratings).
    """

    name: str
    measure: Measure
    value: float | None
    before: float | None
    average: float | None


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest shows, for ``period`` of ``kind``."""

    kind: DigestKind
    period: Period
    #: how many periods the baseline averages (7 days, or 4 weeks)
    baseline_periods: int
    figures: tuple[Figure, ...]
    current: Metrics
    #: first response median (calendar seconds) per desk-time hour of opening, 0–23
    first_response_by_hour: tuple[int | None, ...]


NEW = _("New tickets")
RESOLVED = _("Resolved")
REOPENED = _("Reopened")
BACKLOG = _("Open at the end")
UNASSIGNED = _("… of them unassigned")
FIRST_RESPONSE = _("First response, median")
RESOLUTION = _("Resolution, median")
SLA_RATE = _("SLA met")
CSAT = _("CSAT, average")


def baseline_of(kind: DigestKind, period: Period) -> Period:
    """The periods just before ``period`` that its baseline averages (7 days, 4 weeks)."""
    length = timedelta(days=period.days * BASELINE_PERIODS[kind])
    return Period(period.first - length, period.first - timedelta(days=1), period.zone)


async def build_digest(
    kind: DigestKind,
    period: Period,
    ctx: DeskContext,
    connection: BaseDBAsyncClient | None = None,
) -> Digest:
    """The digest of ``period`` (a day or an ISO week of the desk's zone), from the database."""
    db = connection if connection is not None else Ticket._meta.db
    periods = BASELINE_PERIODS[kind]
    baseline = baseline_of(kind, period)
    current = await compute_metrics(period, ctx, db)
    before = await compute_metrics(period.before(), ctx, db)
    base = await compute_metrics(baseline, ctx, db)
    step = timedelta(days=period.days)
    ends = [baseline.first + step * (i + 1) - timedelta(days=1) for i in range(periods)]
    backlogs = await backlog_at_ends(db, period.zone, ends)
    hours = await first_response_by_hour(db, period)
    return Digest(
        kind=kind,
        period=period,
        baseline_periods=periods,
        figures=headline(current, before, base, periods, backlogs),
        current=current,
        first_response_by_hour=hours,
    )


def headline(
    current: Metrics,
    before: Metrics,
    base: Metrics,
    periods: int,
    backlogs: list[tuple[int, int]],
) -> tuple[Figure, ...]:
    """The headline figures of ``current`` against ``before`` and the baseline ``base``.

    ``periods`` is how many periods ``base`` spans; ``backlogs`` the (open, unassigned)
    backlog at the end of each of them.
    """

    def per_period(total: int) -> float:
        return total / periods

    def mean(values: list[int]) -> float | None:
        return sum(values) / len(values) if values else None

    def median(metrics: Metrics, which: str) -> float | None:
        spread = getattr(metrics, which).calendar
        return float(spread.median) if spread.median is not None else None

    count, duration = Measure.COUNT, Measure.DURATION
    return (
        Figure(NEW, count, current.volume.new, before.volume.new, per_period(base.volume.new)),
        Figure(
            RESOLVED,
            count,
            current.volume.resolved,
            before.volume.resolved,
            per_period(base.volume.resolved),
        ),
        Figure(
            REOPENED,
            count,
            current.volume.reopened,
            before.volume.reopened,
            per_period(base.volume.reopened),
        ),
        Figure(
            BACKLOG,
            count,
            current.backlog.open,
            before.backlog.open,
            mean([open_ for open_, _unassigned in backlogs]),
        ),
        Figure(
            UNASSIGNED,
            count,
            current.backlog.unassigned,
            before.backlog.unassigned,
            mean([unassigned for _open, unassigned in backlogs]),
        ),
        Figure(
            FIRST_RESPONSE,
            duration,
            median(current, "first_response"),
            median(before, "first_response"),
            median(base, "first_response"),
        ),
        Figure(
            RESOLUTION,
            duration,
            median(current, "resolution"),
            median(before, "resolution"),
            median(base, "resolution"),
        ),
        Figure(SLA_RATE, Measure.RATE, sla_rate(current), sla_rate(before), sla_rate(base)),
        Figure(CSAT, Measure.SCORE, current.csat.average, before.csat.average, base.csat.average),
    )


def sla_rate(metrics: Metrics) -> float | None:
    """Hits among every SLA clock that ended with an outcome in the period (None: none)."""
    hits = sum(rate.hits for rate in metrics.sla.rates)
    decided = hits + sum(rate.breaches for rate in metrics.sla.rates)
    return hits / decided if decided else None
