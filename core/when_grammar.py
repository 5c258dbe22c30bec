"""The forms of time phrases that :mod:`core.when` reads itself, before ``dateparser``.

A phrase is either a duration ("in 2h", "через 15 минут", "1h30m", "3д") or a day and/or
a time of day in either order ("tomorrow 10:00", "в пн в 9:00", "10:30 friday",
"15.03 14:00", "завтра утром"). Each part parser yields every way it can read the words
from a position on, so :func:`read` can find the reading that covers the whole phrase.
Nothing here knows the clock: a reading is resolved against "now" by :mod:`core.when`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from core.when_words import (
    AM_PM,
    DAY_OFFSETS,
    DAY_PARTS,
    DAY_PREPOSITIONS,
    HALF_UNITS,
    MONTHS,
    NEXT_WORDS,
    NOON_WORDS,
    NUMBER_WORDS,
    RU_DAY_HALVES,
    THIS_WORDS,
    TIME_PREPOSITIONS,
    UNIT_SECONDS,
    WEEKDAYS,
    day_of_month,
)

#: a duration longer than this is not a follow-up (and keeps datetime arithmetic safe)
MAX_SPAN = timedelta(days=5 * 366)


@dataclass(frozen=True, slots=True)
class Day:
    """A day named in a phrase: an offset from today, a weekday, or a calendar date."""

    offset: int | None = None  # today = 0, tomorrow = 1
    weekday: int | None = None  # Monday = 0
    strictly_next: bool = False  # "next monday": not today even if today is Monday
    month: int | None = None
    day: int | None = None
    year: int | None = None  # None: the next such date from today


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """A time of day; ``hour`` None means the calendar's opening time ("morning")."""

    hour: int | None
    minute: int = 0
    #: a bare number reads as an hour only after a day ("tomorrow 10")
    bare: bool = False


Reading = timedelta | tuple[Day | None, TimeOfDay | None]

_COMPACT_RE = re.compile(r"^(?:\d{1,6}[a-zа-я]+)+$")
_COMPACT_PART_RE = re.compile(r"(\d{1,6})([a-zа-я]+)")
_CLOCK_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm|a\.m|p\.m)?$")
_NUMERIC_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_HOUR_WORDS = frozenset(("ч", "час", "часа", "часов", "o'clock"))


def read(words: list[str]) -> Reading | None:
    """The one reading of the whole phrase ``words``, or None if it is not one we know."""
    if not words:
        return None
    span = _duration(words)
    if span is not None:
        return span
    for day, after_day in _days(words, 0):
        if after_day == len(words):
            return (day, None)
        for time, end in _times(words, after_day):
            if end == len(words):
                return (day, time)
    for time, after_time in _times(words, 0):
        if time.bare:  # "tomorrow 10" is an hour, "10 tomorrow" (or "10") is not
            continue
        if after_time == len(words):
            return (None, time)
        for day, end in _days(words, after_time):
            if end == len(words):
                return (day, time)
    return None


def _duration(words: list[str]) -> timedelta | None:
    """ "in 2 hours 30 min", "через полчаса", "2h", "1h30m", "через час" (a unit alone is 1)."""
    i = 1 if words[0] in ("in", "через", "after") else 0
    total, items = 0, 0
    while i < len(words):
        word = words[i]
        if word in ("and", "и") and items:
            i += 1
            continue
        following = UNIT_SECONDS.get(words[i + 1]) if i + 1 < len(words) else None
        if word in HALF_UNITS:
            seconds, i = HALF_UNITS[word], i + 1
        elif word in ("полтора", "полторы") and following:
            seconds, i = following * 3 // 2, i + 2  # "через полтора часа"
        elif word == "half" and words[i + 1 : i + 3] in (["an", "hour"], ["a", "day"]):
            seconds, i = UNIT_SECONDS[words[i + 2]] // 2, i + 3
        elif _COMPACT_RE.match(word):
            parts = _COMPACT_PART_RE.findall(word)
            if any(unit not in UNIT_SECONDS for _, unit in parts):
                return None
            seconds, i = sum(int(n) * UNIT_SECONDS[unit] for n, unit in parts), i + 1
        elif word in UNIT_SECONDS and len(word) > 1 and (i == 1 and words[0] == "через"):
            seconds, i = UNIT_SECONDS[word], i + 1  # "через час", "через неделю"
        else:
            count = _count(word)
            if count is None or following is None:
                return None
            seconds, i = count * following, i + 2
        total, items = total + seconds, items + 1
    if not items or total > MAX_SPAN.total_seconds():
        return None
    return timedelta(seconds=total)


def _count(word: str) -> int | None:
    if word.isascii() and word.isdigit() and len(word) <= 6:
        return int(word)
    return NUMBER_WORDS.get(word)


def _days(words: list[str], i: int) -> Iterator[tuple[Day, int]]:
    """Every reading of a day starting at ``words[i]``, with the position after it."""
    if i < len(words) and words[i] in DAY_PREPOSITIONS:
        yield from _bare_days(words, i + 1)
    yield from _bare_days(words, i)


def _bare_days(words: list[str], i: int) -> Iterator[tuple[Day, int]]:
    word = words[i] if i < len(words) else ""
    if word in DAY_OFFSETS:
        yield Day(offset=DAY_OFFSETS[word]), i + 1
    if words[i : i + 3] == ["day", "after", "tomorrow"]:
        yield Day(offset=2), i + 3
    if words[i : i + 4] == ["the", "day", "after", "tomorrow"]:
        yield Day(offset=2), i + 4
    next_ = word in NEXT_WORDS
    if (next_ or word in THIS_WORDS) and i + 1 < len(words) and words[i + 1] in WEEKDAYS:
        yield Day(weekday=WEEKDAYS[words[i + 1]], strictly_next=next_), i + 2
    if word in WEEKDAYS:
        yield Day(weekday=WEEKDAYS[word]), i + 1
    if found := _NUMERIC_DATE_RE.match(word):
        year = int(found[3]) + (2000 if len(found[3]) == 2 else 0) if found[3] else None
        yield Day(day=int(found[1]), month=int(found[2]), year=year), i + 1
    if found := _ISO_DATE_RE.match(word):
        yield Day(day=int(found[3]), month=int(found[2]), year=int(found[1])), i + 1
    yield from _named_dates(words, i)


def _named_dates(words: list[str], i: int) -> Iterator[tuple[Day, int]]:
    """ "15 march", "15th of march 2027", "march 15", "15 марта 2027 г"."""
    day = day_of_month(words[i]) if i < len(words) else None
    j = i + 1
    if day is not None and j < len(words) and words[j] == "of":
        j += 1
    if day is not None and j < len(words) and words[j] in MONTHS:
        yield from _with_year(words, j + 1, day, MONTHS[words[j]])
    if i < len(words) and words[i] in MONTHS and i + 1 < len(words):
        day = day_of_month(words[i + 1])
        if day is not None:
            yield from _with_year(words, i + 2, day, MONTHS[words[i]])


def _with_year(words: list[str], i: int, day: int, month: int) -> Iterator[tuple[Day, int]]:
    word = words[i] if i < len(words) else ""
    if re.fullmatch(r"20\d\d", word):
        end = i + 2 if words[i + 1 : i + 2] in (["г"], ["года"]) else i + 1
        yield Day(day=day, month=month, year=int(word)), end
    yield Day(day=day, month=month), i


def _times(words: list[str], i: int) -> Iterator[tuple[TimeOfDay, int]]:
    """Every reading of a time of day starting at ``words[i]``, with the position after it."""
    if i < len(words) and words[i] in TIME_PREPOSITIONS:
        for time, end in _bare_times(words, i + 1):
            # "at 10" is an hour; only "10" alone is too bare to be one without a day
            yield TimeOfDay(time.hour, time.minute), end
    yield from _bare_times(words, i)


def _bare_times(words: list[str], i: int) -> Iterator[tuple[TimeOfDay, int]]:
    word = words[i] if i < len(words) else ""
    if word in NOON_WORDS:
        yield TimeOfDay(12), i + 1
    if word in DAY_PARTS:
        yield TimeOfDay(DAY_PARTS[word]), i + 1
    if words[i : i + 3] in (["in", "the", "morning"], ["in", "the", "afternoon"],
                            ["in", "the", "evening"]):  # fmt: skip
        yield TimeOfDay(DAY_PARTS[words[i + 2]]), i + 3
    found = _CLOCK_RE.match(word)
    if found is None:
        return
    hour, minute = int(found[1]), int(found[2] or 0)
    half = AM_PM.get(found[3] or "") or AM_PM.get(words[i + 1] if i + 1 < len(words) else "")
    if half:
        end = i + 1 if found[3] else i + 2
        if 1 <= hour <= 12 and minute <= 59:
            yield TimeOfDay(hour % 12 + (12 if half == "pm" else 0), minute), end
        return
    if hour > 23 or minute > 59:
        return
    j, said_hour = i + 1, False
    if found[2] is None and j < len(words) and words[j] in _HOUR_WORDS:  # "в 10 часов"
        j, said_hour = j + 1, True
    after = words[j] if j < len(words) else ""
    if found[2] is None and after in RU_DAY_HALVES and 1 <= hour <= 12:
        yield TimeOfDay(_ru_hour(hour, after)), j + 1
    yield TimeOfDay(hour, minute, bare=found[2] is None and not said_hour), j


def _ru_hour(hour: int, half: str) -> int:
    """ "9 утра" = 9, "2 дня" = 14, "7 вечера" = 19, "3 ночи" = 3, "12 ночи" = 0."""
    if half in ("дня", "вечера"):
        return hour if hour == 12 else hour + 12
    return 0 if hour == 12 else hour
