"""The figures of a report: frozen values, every duration in whole seconds.

The README section "Reports: what the numbers mean" defines each one; the docstrings
here say only what a field holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.enums import SlaClock, TicketPriority


@dataclass(frozen=True, slots=True)
class Spread:
    """How long something took: how many were measured, their median and 90th percentile.

    Nearest rank: of ``count`` sorted values, the median is number ``ceil(count / 2)``
    and the p90 number ``ceil(0.9 * count)``. ``None`` when nothing was measured.
    """

    count: int = 0
    median: int | None = None
    p90: int | None = None


@dataclass(frozen=True, slots=True)
class Durations:
    """One duration figure in calendar time and in the desk's business hours."""

    calendar: Spread = Spread()
    business: Spread = Spread()


@dataclass(frozen=True, slots=True)
class Volume:
    """Tickets opened, resolved and reopened in the period."""

    new: int
    resolved: int
    reopened: int


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """The ticket whose customer has waited longest for a reply (``thread_id``: its topic)."""

    ticket_id: int
    thread_id: int | None
    since: datetime


@dataclass(frozen=True, slots=True)
class Backlog:
    """Tickets still open at the period's end, how many had no owner, the longest wait."""

    open: int
    unassigned: int
    oldest_waiting: WaitingTicket | None


@dataclass(frozen=True, slots=True)
class SlaRate:
    """How one SLA clock ended in the period: hits and breaches."""

    clock: SlaClock
    hits: int
    breaches: int

    @property
    def hit_rate(self) -> float | None:
        """Hits among the clocks that ended with an outcome (``None``: none did)."""
        decided = self.hits + self.breaches
        return self.hits / decided if decided else None


@dataclass(frozen=True, slots=True)
class Breach:
    """One SLA clock that breached in the period."""

    ticket_id: int
    thread_id: int | None
    clock: SlaClock
    cycle: int
    priority: TicketPriority
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    """A low rating (1–2) with the customer's comment (``None``: they left none)."""

    ticket_id: int
    thread_id: int | None
    score: int
    comment: str | None


@dataclass(frozen=True, slots=True)
class Csat:
    """Ratings given in the period, and how many resolved tickets got one.

    ``distribution[0]`` counts the ratings of 1, … ``distribution[4]`` those of 5.
    ``resolved`` are the tickets resolved in the period, ``rated`` those of them rated.
    """

    count: int
    average: float | None
    distribution: tuple[int, int, int, int, int]
    resolved: int
    rated: int
    negative: tuple[Comment, ...]

    @property
    def response_rate(self) -> float | None:
        """The share of the period's resolved tickets that got a rating."""
        return self.rated / self.resolved if self.resolved else None


@dataclass(frozen=True, slots=True)
class OperatorFigures:
    """What one operator did in the period."""

    operator_id: int
    telegram_id: int
    name: str
    assigned: int
    replies: int
    resolved: int
    first_response: Durations
    csat_count: int
    csat_average: float | None


@dataclass(frozen=True, slots=True)
class Split:
    """The period's tickets of one channel, tag or priority (``key``)."""

    key: str
    new: int
    resolved: int
    first_response: Durations


@dataclass(frozen=True, slots=True)
class SlaFigures:
    """Every SLA clock's rate, and the breaches (the newest first, at most a page)."""

    rates: tuple[SlaRate, ...]
    breaches: tuple[Breach, ...]
    breach_count: int
