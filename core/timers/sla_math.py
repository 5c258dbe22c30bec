"""The arithmetic of SLA clocks, without the database: targets copied, time counted, dues.

A clock counts either the business calendar's open hours or all the time there is (its
``business_hours``). Everything here is a pure function of the calendar, the clock's
stored numbers and a moment, so the rules can be read (and tested) apart from storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.business_calendar import BusinessCalendar
from core.enums import SlaClock, TicketPriority
from core.models import TicketClock
from core.sla_policies import SlaPolicies, SlaTarget


def copied_targets(policies: SlaPolicies, priority: TicketPriority) -> dict[str, Any]:
    """What :attr:`core.models.Ticket.sla_targets` keeps: the targets of ``priority`` now.

    Seconds (or ``None``) per clock, whether they count business hours, and the warning
    rule (``warn_before`` in seconds, or ``warn_percent``).
    """
    policy = policies.policy(priority)
    copied: dict[str, Any] = {"priority": priority.value, "business_hours": policy.business_hours}
    for clock in SlaClock:
        target = policy.target(clock)
        copied[clock.value] = None if target is None else _whole_seconds(target.duration)
    if policies.warn_percent is not None:
        copied["warn_percent"] = policies.warn_percent
    else:
        assert policies.warn_before is not None  # SlaPolicies keeps exactly one of the two
        copied["warn_before"] = _whole_seconds(policies.warn_before)
    return copied


@dataclass(frozen=True, slots=True)
class ClockTarget:
    """One clock's target as copied onto a ticket: seconds, how counted, warning lead."""

    seconds: int
    business_hours: bool
    warn_seconds: int


def target_of(copied: dict[str, Any] | None, clock: SlaClock) -> ClockTarget | None:
    """The target of ``clock`` in a ticket's copied targets (``None``: that clock has none)."""
    if not copied or copied.get(clock.value) is None:
        return None
    seconds = int(copied[clock.value])
    business = bool(copied.get("business_hours", True))
    # The warning rule of the copy, applied by the same code the live policies use.
    percent = copied.get("warn_percent")
    before = copied.get("warn_before")
    rule = SlaPolicies(
        {},
        warn_before=None if percent is not None else timedelta(seconds=int(before or 0)),
        warn_percent=int(percent) if percent is not None else None,
    )
    lead = rule.warn_at(SlaTarget(clock, timedelta(seconds=seconds), business))
    return ClockTarget(seconds, business, _whole_seconds(lead))


def counted(calendar: BusinessCalendar, business: bool, start: datetime, end: datetime) -> float:
    """Seconds a clock counts from ``start`` to ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0.0
    if business:
        return calendar.business_seconds_between(start, end)
    return (end - start).total_seconds()


def later(calendar: BusinessCalendar, business: bool, start: datetime, seconds: float) -> datetime:
    """The moment a clock has counted ``seconds`` more after ``start`` (never before it)."""
    seconds = max(seconds, 0.0)
    if business:
        return calendar.add_business_seconds(start, seconds)
    return start + timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Dues:
    """When a clock falls due and when its warning fires (``None``: no warning)."""

    due_at: datetime
    warn_at: datetime | None


def dues(
    calendar: BusinessCalendar,
    business: bool,
    anchor: datetime,
    remaining: float,
    warn_seconds: int,
) -> Dues:
    """The due and warning moments of a clock that has ``remaining`` seconds at ``anchor``.

    A warning lead as long as what remains (or longer) puts the warning at ``anchor``:
    it fires at once, as the policies promise for a lead as long as the target.
    """
    due_at = later(calendar, business, anchor, remaining)
    warn_at = None
    if warn_seconds > 0:
        warn_at = later(calendar, business, anchor, remaining - warn_seconds)
    return Dues(due_at, warn_at)


def used(calendar: BusinessCalendar, clock: TicketClock, at: datetime) -> float:
    """Seconds ``clock`` has counted by ``at`` (more than its target once overdue).

    A paused clock holds what it counted before the pause; a running one is read from its
    due time, which already leaves out every pause (it was set at the last resume as that
    moment plus what remained).
    """
    if clock.due_at is None:
        return float(clock.spent_seconds)
    business = bool(clock.business_hours)
    if at < clock.due_at:
        return clock.target_seconds - counted(calendar, business, at, clock.due_at)
    return clock.target_seconds + counted(calendar, business, clock.due_at, at)


def paused_seconds(calendar: BusinessCalendar, clock: TicketClock, at: datetime) -> float:
    """Seconds (counted as the clock counts) that ``clock`` spent paused up to ``at``."""
    total = counted(calendar, bool(clock.business_hours), clock.started_at, at)
    return max(total - used(calendar, clock, at), 0.0)


def in_time(calendar: BusinessCalendar, clock: TicketClock, at: datetime) -> bool:
    """Would stopping ``clock`` at ``at`` meet its target (strictly before the due time)?"""
    if clock.due_at is None:
        return clock.spent_seconds < clock.target_seconds
    return at < clock.due_at


def _whole_seconds(duration: timedelta) -> int:
    return int(duration // timedelta(seconds=1))
