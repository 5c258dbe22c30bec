"""The times of follow-up tasks and snoozes: reading a phrase, "tomorrow", showing a time.

Reading is :mod:`core.when`'s; this adds what a command needs around it: telling a time
that has passed ("today 08:00" at ten) from a phrase that is no time at all, the time a
Tomorrow button moves to, the words a due time is shown in, and re-arming a deadline
key that fired before (a task moved after its reminder is reminded again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from tortoise.backends.base.client import BaseDBAsyncClient

from core.business_calendar import BusinessCalendar
from core.i18n import normalize_locale
from core.models import Deadline
from core.timers.deadlines import schedule
from core.when import When, opening, parse_when, split_when


class Unread(StrEnum):
    """Why a phrase gave no time to use."""

    UNREADABLE = "unreadable"  # not a time we can read
    PAST = "past"  # a time, but it has passed


@dataclass(frozen=True, slots=True)
class Phrase:
    """The outcome of reading a command's text: a time and the rest, or why not."""

    when: When | None = None
    unread: Unread | None = None


def _midnight(now: datetime, calendar: BusinessCalendar) -> datetime:
    local = now.astimezone(calendar.zone)
    return datetime.combine(local.date(), time(0), tzinfo=calendar.zone)


def read_phrase(text: str, now: datetime, calendar: BusinessCalendar) -> Phrase:
    """``<when> <rest>`` read off ``text``: the time strictly after ``now``, or why not.

    A phrase that names a moment of today already gone ("today 8:00", "15.03 14:00" on
    the 15th at four) is :attr:`Unread.PAST`: read from the start of the day it is a time,
    and not after ``now``.
    """
    found = split_when(text, now, calendar)
    if found is not None:
        return Phrase(when=found)
    earlier = split_when(text, _midnight(now, calendar), calendar)
    if earlier is not None and earlier.at <= now:
        return Phrase(unread=Unread.PAST)
    return Phrase(unread=Unread.UNREADABLE)


def read_time(phrase: str, now: datetime, calendar: BusinessCalendar) -> datetime | Unread:
    """The whole ``phrase`` as one time after ``now`` (``/snooze``, a new time), or why not."""
    at = parse_when(phrase, now, calendar)
    if at is not None:
        return at
    earlier = parse_when(phrase, _midnight(now, calendar), calendar)
    return Unread.PAST if earlier is not None and earlier <= now else Unread.UNREADABLE


def tomorrow_at(now: datetime, calendar: BusinessCalendar) -> datetime:
    """The next day at the calendar's opening time: what "tomorrow" without a time means."""
    day = now.astimezone(calendar.zone).date() + timedelta(days=1)
    return datetime.combine(day, opening(calendar, day), tzinfo=calendar.zone)


def shown_time(at: datetime, zone: ZoneInfo, locale: str | None) -> str:
    """``at`` as people read it on a task: weekday, date and time in the desk's zone."""
    local = at.astimezone(zone)
    return format_datetime(local, "EEE d MMM, HH:mm", tzinfo=zone, locale=_babel(locale))


def zone_name(zone: ZoneInfo) -> str:
    """The zone's key ("Europe/Moscow"): what an operator checks the time against."""
    return zone.key


def _babel(locale: str | None) -> str:
    return normalize_locale(locale)


async def rearm(
    connection: BaseDBAsyncClient, key: str, kind: str, due_at: datetime, payload: dict[str, int]
) -> None:
    """Set deadline ``key`` to ``due_at`` even if it fired before.

    A fired key stays fired for :func:`~core.timers.deadlines.schedule` (a notice is never
    sent twice); a task moved after its reminder, or a ticket snoozed again, is a new
    moment of its own, so the fired row makes way for it.
    """
    fired = Deadline.filter(key=key, fired_at__isnull=False).using_db(connection)
    await fired.delete()
    await schedule(connection, key, kind, due_at, payload)


__all__ = [
    "Phrase",
    "Unread",
    "read_phrase",
    "read_time",
    "rearm",
    "shown_time",
    "tomorrow_at",
    "zone_name",
]
