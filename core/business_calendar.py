"""The business calendar: when the desk is open, and arithmetic in business time.

Opening hours are local wall-clock windows in the calendar's time zone, so a 09:00-18:00
day stays 09:00-18:00 across a DST change (and is an hour shorter or longer only when the
change falls inside a window). A date is a working day by its weekday's hours unless it
is a public holiday or an extra day off; an extra workday (a moved working Saturday) is
open with the hours of the weekday ``workday_hours`` names, even on a holiday. A window
that crosses midnight belongs to the day it starts on: a Sunday night shift does not run
into Monday morning when that Sunday is a holiday.

Every function takes timezone-aware datetimes and returns instants in UTC, like
:class:`core.clock.Clock`. Long spans cost one step per day (closed days are a set
lookup); a calendar open all the time takes plain arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_tables

from core.config import Settings
from core.hours import DAY_NAMES, MINUTES_PER_DAY, WeeklyHours, is_always_open, parse_hours

#: how far to look for an opening before deciding there is none (a calendar whose every
#: day is off would otherwise be searched forever)
HORIZON_DAYS = 3 * 366

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk is open; immutable and safe to share."""

    timezone: str = "UTC"
    hours: WeeklyHours = field(default_factory=lambda: parse_hours("24/7"))
    #: a country code of the ``holidays`` package, optionally ``-SUBDIVISION`` (``DE-BY``)
    holidays: str = ""
    extra_days_off: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    #: the weekday whose hours an extra workday gets
    workday_hours: str = "mon"

    def __post_init__(self) -> None:
        # Refuse a bad calendar when it is built, not at the first deadline it computes.
        overlap = self.extra_days_off & self.extra_workdays
        if overlap:
            raise ValueError(f"{min(overlap)} is both an extra day off and an extra workday")
        if self.workday_hours not in DAY_NAMES:
            raise ValueError(f"workday_hours is {self.workday_hours!r}, not a day name")
        if len(self.hours) != len(DAY_NAMES):
            raise ValueError("hours must give the windows of all seven days")
        _zone(self.timezone)
        try:
            _holiday_dates(self.holidays, 2000)
        except NotImplementedError:
            raise ValueError(f"the holidays package does not know {self.holidays!r}") from None

    @classmethod
    def from_text(cls, hours: str = "24/7", **values: object) -> BusinessCalendar:
        """A calendar from the ``hours`` syntax (tests, the config)."""
        return cls(hours=parse_hours(hours), **values)  # type: ignore[arg-type]

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return _zone(self.timezone)

    @property
    def always_open(self) -> bool:
        """Open around the clock every day: business time is plain time."""
        return is_always_open(self.hours) and not self.holidays and not self.extra_days_off

    def is_open(self, at: datetime) -> bool:
        """Whether the desk is open at the instant ``at``."""
        at = _utc(at)
        if self.always_open:
            return True
        start, end = next(self._intervals(at))
        return start <= at < end

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself while open, else the instant the desk opens next (in UTC)."""
        at = _utc(at)
        if self.always_open:
            return at
        start, _ = next(self._intervals(at))
        return max(start, at)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of open time after ``start`` (in UTC).

        With ``seconds > 0`` the result lies inside an open window or at its end; with 0 it
        is ``start`` itself, open or not.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        start = _utc(start)
        if self.always_open or seconds == 0:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for opens, closes in self._intervals(start):
            opens = max(opens, start)
            if left <= closes - opens:
                return opens + left
            left -= closes - opens
        raise AssertionError("unreachable: _intervals never ends without raising")

    def business_seconds_between(self, a: datetime, b: datetime) -> float:
        """Seconds of open time from ``a`` to ``b``; 0 if ``b`` is not after ``a``."""
        a, b = _utc(a), _utc(b)
        if b <= a:
            return 0.0
        if self.always_open:
            return (b - a).total_seconds()
        total = timedelta()
        for opens, closes in self._intervals(a, until=b):
            if opens >= b:
                break
            total += min(closes, b) - max(opens, a)
        return total.total_seconds()

    def _intervals(self, at: datetime, until: datetime | None = None) -> Iterator[Interval]:
        """Open intervals in UTC, in order, from the first that ends after ``at``.

        Touching intervals (a window ending at 24:00, the next day's at 00:00) come one by
        one. Stops once past ``until``; without it, raises ValueError when nothing opens
        within the horizon.
        """
        day = at.astimezone(self.zone).date()
        last_day = until.astimezone(self.zone).date() if until is not None else None
        closed_days = 0
        while last_day is None or day <= last_day:
            spans = [span for span in self._day_intervals(day) if span[1] > at]
            yield from spans
            closed_days = 0 if spans else closed_days + 1
            if closed_days > HORIZON_DAYS and last_day is None:
                raise ValueError(f"the calendar has no open time within {HORIZON_DAYS} days")
            day += timedelta(days=1)

    def _day_intervals(self, day: date) -> list[Interval]:
        """The open intervals on the local date ``day`` (with last night's overflow)."""
        minutes: list[tuple[int, int]] = []
        yesterday = day - timedelta(days=1)
        for _, end in self._windows(yesterday):
            if end > MINUTES_PER_DAY:
                minutes.append((0, end - MINUTES_PER_DAY))
        for start, end in self._windows(day):
            minutes.append((start, min(end, MINUTES_PER_DAY)))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(minutes):
            # last night's shift may overlap this morning's window: count that time once
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        spans = [(self._instant(day, s), self._instant(day, e)) for s, e in merged]
        return [(opens, closes) for opens, closes in spans if closes > opens]

    def _windows(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.extra_workdays:
            return self.hours[DAY_NAMES.index(self.workday_hours)]
        if day in self.extra_days_off or day in _holiday_dates(self.holidays, day.year):
            return ()
        return self.hours[day.weekday()]

    def _instant(self, day: date, minute: int) -> datetime:
        """The UTC instant the local clock shows ``minute`` after midnight of ``day``."""
        wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
        first = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if first.astimezone(self.zone).replace(tzinfo=None) == wall:
            return first  # an ambiguous time (clocks turned back) counts its first occurrence
        # The wall time was skipped (clocks turned forward): take the moment of the jump.
        low = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        high = first
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.zone).replace(tzinfo=None) < wall:
                low = middle
            else:
                high = middle
        return high.replace(microsecond=0)


def calendar_from_settings(settings: Settings) -> BusinessCalendar:
    """The desk's calendar from its validated ``[calendar]`` settings."""
    config = settings.calendar
    return BusinessCalendar(
        timezone=settings.calendar_timezone,
        hours=parse_hours(config.hours),
        holidays=config.holidays,
        extra_days_off=frozenset(config.extra_days_off),
        extra_workdays=frozenset(config.extra_workdays),
        workday_hours=config.workday_hours,
    )


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the business calendar needs timezone-aware datetimes")
    return at.astimezone(UTC)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=256)
def _holiday_dates(code: str, year: int) -> frozenset[date]:
    """The public holidays of ``code`` (``RU``, ``DE-BY``) in ``year``; none for ``""``."""
    if not code:
        return frozenset()
    country, _, subdivision = code.upper().partition("-")
    table = holiday_tables.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table)
