"""Which period a digest covers, when it is due and the key that makes it happen once.

A daily digest covers one desk-time day and is due the next day at ``DIGEST_TIME``; a
weekly one covers an ISO week (Monday to Sunday) and is due the Monday after, at the same
time. Each period has one key (``digest:daily:2026-03-01``, ``digest:weekly:2026-W09``):
the scheduler's deadline and the record of the sent digest are both named by it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.reports.period import Period


class DigestKind(StrEnum):
    """How long a digest's period is."""

    DAILY = "daily"
    WEEKLY = "weekly"


#: how many periods before a digest's own its baseline ("the 7-day average") averages
BASELINE_PERIODS = {DigestKind.DAILY: 7, DigestKind.WEEKLY: 4}
#: the scheduler's deadline kind of each digest
DEADLINE_KINDS = {DigestKind.DAILY: "digest_daily", DigestKind.WEEKLY: "digest_weekly"}


def period_of(kind: DigestKind, day: date, zone: ZoneInfo) -> Period:
    """The digest period of ``kind`` holding ``day``: that day, or its ISO week."""
    if kind is DigestKind.DAILY:
        return Period(day, day, zone)
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), zone)


def digest_key(kind: DigestKind, period: Period) -> str:
    """The period's unique name: ``digest:daily:2026-03-01`` or ``digest:weekly:2026-W09``."""
    if kind is DigestKind.DAILY:
        return f"digest:daily:{period.first.isoformat()}"
    year, week, _ = period.first.isocalendar()
    return f"digest:weekly:{year}-W{week:02d}"


def due_at(kind: DigestKind, period: Period, at: time) -> datetime:
    """When the digest of ``period`` goes out: the day after it ends, at ``at`` desk time.

    For both kinds that is the day after the period's last day (a week ends on Sunday, so
    its digest is due on Monday). A time skipped by a DST change resolves forward, as
    ``zoneinfo`` does.
    """
    del kind  # both kinds are due the day after their last day
    return datetime.combine(period.last + timedelta(days=1), at, period.zone)


def following(kind: DigestKind, period: Period) -> Period:
    """The next period of the same kind."""
    return period_of(kind, period.last + timedelta(days=1), period.zone)


def latest_due(kind: DigestKind, now: datetime, zone: ZoneInfo, at: time) -> Period:
    """The period whose digest fell due last at or before ``now``.

    Its following period is due after ``now``: the two bracket the present.
    """
    today = now.astimezone(zone).date()
    period = period_of(kind, today - timedelta(days=1), zone)
    while due_at(kind, period, at) > now:
        period = period_of(kind, period.first - timedelta(days=1), zone)
    return period


def stale(kind: DigestKind, period: Period, now: datetime, at: time) -> bool:
    """Whether the next period's digest is already due: this one is old news, skip it.

    After a long outage only the newest missed digest is sent, not one for every day.
    """
    return due_at(kind, following(kind, period), at) <= now
