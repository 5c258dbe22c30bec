"""Reading "<when>" in English and Russian: ``/task <when> <text>``, ``/snooze <when>``.

Two readers, ours first. :mod:`core.when_grammar` reads the forms people type most and
``dateparser`` gets wrong or misses: "завтра в 10" (dateparser keeps the current minutes),
a bare hour "в 10" (dateparser: the 10th of the month), "3д", "15.03 14:00", "в пн",
"завтра утром". ``dateparser`` then reads what is left: spans only a calendar can count
("in 2 months", "через месяц", "next week", "на следующей неделе", "через год"). It is
asked only about phrases made of time words that name such a span (see
:func:`_dateparser`), so a task's text is never read as a time.

Everything is read on the wall clock of the calendar's zone (the desk's TIMEZONE unless
``[calendar]`` sets its own) and returned as an aware UTC instant, strictly in the future
and at most five years ahead:

- a duration ("in 2h", "через 3 дня", "1h30m") is added to now;
- a time without a day ("10:30", "at 9am", "в 10") is its next occurrence: today, or
  tomorrow once it has passed; a bare number ("10") is no time, but "tomorrow 10" is;
  an hour is on the 24-hour clock ("at 5" is 05:00) unless "am"/"pm" or "утра"/"дня"/
  "вечера"/"ночи" say otherwise ("в 7 вечера" is 19:00);
- a weekday is its next occurrence from today ("friday" on a Friday afternoon is next
  week's), "next monday" / "в следующий понедельник" is never today;
- a date without a year is its next occurrence from today ("31.12", "15 марта");
- a day without a time of day means the calendar's opening time on that weekday, which
  is also what "morning" / "утром" means ("afternoon" / "днём" is 14:00, "evening" /
  "вечером" 18:00). A weekday the desk is closed on takes the week's earliest opening; a
  desk open around the clock (or from midnight) opens, for this purpose, at 09:00;
- a named day whose moment has passed ("today 08:00" at 10:00, "yesterday") is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from core.business_calendar import BusinessCalendar
from core.i18n import normalize_locale
from core.when_grammar import MAX_SPAN, Day, TimeOfDay, read
from core.when_words import CALENDAR_SPANS, DANGLING_WORDS, is_time_word, tokens

#: longer input is not a time phrase (and is not worth a parser's time)
MAX_PHRASE = 200
#: the longest time phrase :func:`split_when` tries, in words ("в следующий пн в 9 утра")
MAX_WORDS = 6
#: where a desk open around the clock starts "tomorrow"
DEFAULT_OPENING = time(9, 0)

#: phrases shown to people when a phrase can't be read; each is read by :func:`parse_when`
EXAMPLES_EN: tuple[str, ...] = (
    "in 2h", "in 30 min", "tomorrow 10:00", "next monday 9am", "friday", "15.03 14:00",
)  # fmt: skip
EXAMPLES_RU: tuple[str, ...] = (
    "через 2 часа", "через 30 минут", "завтра в 10", "в пн в 9:00", "послезавтра", "3д",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class When:
    """A time phrase read off the start of a command's text."""

    at: datetime  # aware, UTC
    rest: str  # what follows the time phrase (the task's text), stripped; may be ""


def examples(locale: str | None) -> tuple[str, ...]:
    """The example phrases for a reader of ``locale`` (English for any but Russian)."""
    return EXAMPLES_RU if normalize_locale(locale) == "ru" else EXAMPLES_EN


def parse_when(phrase: str, now: datetime, calendar: BusinessCalendar) -> datetime | None:
    """The moment ``phrase`` names (whole phrase), aware UTC, or None when it is not a time
    or not in the future (see the module's docstring for how each form is read)."""
    if len(phrase) > MAX_PHRASE:
        return None
    at = _read(tokens(phrase), now, calendar, dateparser=True)
    if at is None or not now < at <= now + MAX_SPAN:
        return None
    return at.astimezone(UTC)


def split_when(text: str, now: datetime, calendar: BusinessCalendar) -> When | None:
    """``/task <when> <text>``: the longest leading time phrase of ``text`` and the rest.

    Our own reader is asked first about every prefix (longest first), ``dateparser`` only
    when ours reads none of them, so it cannot swallow a word ours would have left.
    """
    spans = [found.span() for found in re.finditer(r"\S+", text[: MAX_PHRASE * 4])]
    ends = [end for _, end in spans[:MAX_WORDS] if end <= MAX_PHRASE]
    for use_dateparser in (False, True):
        for end in reversed(ends):
            at = _read(tokens(text[:end]), now, calendar, dateparser=use_dateparser)
            if at is not None and now < at <= now + MAX_SPAN:
                return When(at.astimezone(UTC), text[end:].strip())
    return None


def _read(
    words: list[str], now: datetime, calendar: BusinessCalendar, *, dateparser: bool
) -> datetime | None:
    """What ``words`` name: by our reader if it knows the form (even when the answer is
    None, an impossible date), else by ``dateparser`` when allowed."""
    reading = read(words)
    if reading is None:
        return _dateparser(words, now, calendar) if dateparser else None
    if isinstance(reading, timedelta):
        # in UTC: aware arithmetic within one zone is wall-clock, an hour off across DST
        return now.astimezone(UTC) + reading
    day, time_of_day = reading
    return _resolve(day, time_of_day, now.astimezone(calendar.zone), calendar)


def _resolve(
    day: Day | None, when: TimeOfDay | None, now: datetime, calendar: BusinessCalendar
) -> datetime | None:
    """The instant a day and/or time of day name, seen from ``now`` (local)."""
    today = now.date()

    def moment(on: date) -> datetime:
        if when is None or when.hour is None:
            clock = opening(calendar, on)
        else:
            clock = time(when.hour, when.minute)
        return datetime.combine(on, clock).replace(tzinfo=calendar.zone)

    if day is None:  # a bare time: today's, or tomorrow's once it has passed
        at = moment(today)
        return at if at > now else moment(today + timedelta(days=1))
    if day.offset is not None:
        return moment(today + timedelta(days=day.offset))
    if day.weekday is not None:
        ahead = (day.weekday - today.weekday()) % 7 or (7 if day.strictly_next else 0)
        at = moment(today + timedelta(days=ahead))
        return at if at > now or day.strictly_next else moment(today + timedelta(ahead + 7))
    on = _date(day, today)
    return moment(on) if on is not None else None


def _date(day: Day, today: date) -> date | None:
    """A calendar date; without a year, the next one from ``today`` (29.02 included)."""
    assert day.month is not None and day.day is not None
    years = [day.year] if day.year is not None else range(today.year, today.year + 9)
    for year in years:
        try:
            found = date(year, day.month, day.day)
        except ValueError:
            continue
        if day.year is not None or found >= today:
            return found
    return None


def opening(calendar: BusinessCalendar, on: date) -> time:
    """The time a day "without a time" starts: the first opening on that weekday."""
    firsts = [windows[0][0] for windows in calendar.hours if windows and windows[0][0] > 0]
    windows = calendar.hours[on.weekday()]
    if windows and windows[0][0] > 0:
        minute = windows[0][0]
    elif firsts:
        minute = min(firsts)
    else:
        return DEFAULT_OPENING
    return time(minute // 60, minute % 60)


def _dateparser(words: list[str], now: datetime, calendar: BusinessCalendar) -> datetime | None:
    """What ``dateparser`` reads in a phrase of time words; None for anything else."""
    if not words or words[-1] in DANGLING_WORDS or not all(map(is_time_word, words)):
        return None
    if CALENDAR_SPANS.isdisjoint(words):
        # Alone, dateparser reads "10" or "five" as a day of some month, "may" as the
        # 11th of May and "через пятницу" as Friday: it gets only what ours cannot count.
        return None
    local = now.astimezone(calendar.zone)
    found = _parse_with_dateparser(" ".join(words), local)
    if found is None:
        return None
    at = found.astimezone(calendar.zone)
    said_time = any(re.search(r"\d:\d|\d(am|pm)$|^(am|pm|noon|полдень)$", w) for w in words)
    if at.time() == time(0) and not said_time:
        # dateparser puts a day without a time at midnight; ours means its opening time
        at = datetime.combine(at.date(), opening(calendar, at.date())).replace(tzinfo=at.tzinfo)
    return at


def _parse_with_dateparser(phrase: str, local_now: datetime) -> datetime | None:
    # Imported here: dateparser takes a while to load and most phrases never reach it.
    import dateparser

    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "TIMEZONE": str(local_now.tzinfo),
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    try:
        found = dateparser.parse(phrase, languages=["en", "ru"], settings=settings)
    except Exception:  # a phrase it chokes on (a year past datetime's range) is unreadable
        return None
    return found if isinstance(found, datetime) else None
