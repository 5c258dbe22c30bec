"""Every figure of a period at once: :func:`compute_metrics` and its :class:`Metrics`.

The figures are aggregated by the database in a fixed number of statements (about a
dozen), whatever the number of tickets, messages and events in the period; nothing
loads rows one by one. The README section "Reports: what the numbers mean" defines
each figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import Channel, TicketPriority
from core.models import Ticket
from core.reports.figures import (
    Backlog,
    Csat,
    Durations,
    OperatorFigures,
    SlaFigures,
    Split,
    Volume,
)
from core.reports.people import operators
from core.reports.period import Period
from core.reports.quality import csat, sla
from core.reports.timing import FIRST, NEXT, RESOLUTION, Timing, timing
from core.reports.volume import load_by_hour, split_counts, volume


@dataclass(frozen=True, slots=True)
class Metrics:
    """The figures of one period (durations in whole seconds)."""

    period: Period
    volume: Volume
    backlog: Backlog
    first_response: Durations
    next_response: Durations
    resolution: Durations
    sla: SlaFigures
    csat: Csat
    operators: tuple[OperatorFigures, ...]
    channels: tuple[Split, ...]
    tags: tuple[Split, ...]
    priorities: tuple[Split, ...]
    #: new tickets per hour of the day in desk time, 0–23
    load_by_hour: tuple[int, ...]


async def compute_metrics(
    period: Period, ctx: DeskContext, connection: BaseDBAsyncClient | None = None
) -> Metrics:
    """The metrics of ``period`` (from the desk's database, or ``connection``).

    ``ctx`` is the desk's context: the period's days are already in its time zone, and
    durations were counted in its business calendar when they were stored.
    """
    del ctx  # nothing in it is needed yet: durations were stored as they happened
    db = connection if connection is not None else Ticket._meta.db
    spreads = await timing(db, period)
    counts, backlog = await volume(db, period)
    splits = await split_counts(db, period)
    return Metrics(
        period=period,
        volume=counts,
        backlog=backlog,
        first_response=spreads.of(FIRST),
        next_response=spreads.of(NEXT),
        resolution=spreads.of(RESOLUTION),
        sla=await sla(db, period),
        csat=await csat(db, period),
        operators=await operators(db, period, spreads),
        channels=_splits(splits, spreads, "channel", [c.value for c in Channel]),
        tags=_splits(splits, spreads, "tag", []),
        priorities=_splits(splits, spreads, "priority", [p.value for p in TicketPriority]),
        load_by_hour=await load_by_hour(db, period),
    )


def _splits(
    splits: dict[str, dict[str, tuple[int, int]]],
    spreads: Timing,
    dimension: str,
    always: list[str],
) -> tuple[Split, ...]:
    """The period's tickets by ``dimension``; the keys in ``always`` are listed even at 0."""
    counts = splits[dimension]
    keys = always + sorted(key for key in counts if key not in always)
    return tuple(
        Split(
            key=key,
            new=counts.get(key, (0, 0))[0],
            resolved=counts.get(key, (0, 0))[1],
            first_response=spreads.of(FIRST, f"{dimension}:{key}"),
        )
        for key in keys
    )
