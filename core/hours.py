"""Weekly opening hours: the ``hours`` syntax of ``[calendar]`` in ``botdesk.toml``.

``"mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00"``: groups separated by ``;``, each a
day list (``mon``, ``mon-fri``, ``sun-thu``, ``mon,wed,fri``) and comma-separated windows.
A window whose end is not after its start crosses midnight (``22:00-06:00`` runs into the
next day); ``24:00`` is allowed as an end; ``"24/7"`` means open all the time.

It sits in the foundation because both the config (to reject a bad value at start-up) and
the business calendar (to count time) read it; it imports nothing of ours.
"""

from __future__ import annotations

import re

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
ALWAYS = "24/7"
#: how a correct value looks, quoted in every error
HOURS_EXAMPLE = '"mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00" or "24/7"'

#: a window in minutes from the local midnight of its day; ``end`` may pass 1440
#: (up to 2880) when the window crosses midnight into the next day
Window = tuple[int, int]
#: the windows of each weekday, Monday first
WeeklyHours = tuple[tuple[Window, ...], ...]

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hours(text: str) -> WeeklyHours:
    """Parse the ``hours`` syntax into windows per weekday; raise ValueError saying what."""
    text = text.strip()
    if text.lower() == ALWAYS:
        return tuple(((0, MINUTES_PER_DAY),) for _ in DAY_NAMES)
    days: list[list[Window]] = [[] for _ in DAY_NAMES]
    groups = [group.strip() for group in text.split(";") if group.strip()]
    if not groups:
        raise ValueError("is empty")
    for group in groups:
        day_part, _, window_part = group.partition(" ")
        if not window_part.strip():
            raise ValueError(f"has {group!r}, which names days but no time windows")
        windows = [_parse_window(part.strip()) for part in window_part.split(",")]
        for day in _parse_days(day_part):
            days[day].extend(windows)
    return tuple(_merged(day) for day in days)


def is_always_open(hours: WeeklyHours) -> bool:
    """True if every day is open from midnight to midnight."""
    return all(windows == ((0, MINUTES_PER_DAY),) for windows in hours)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.lower().split(","):
        first, dash, last = item.strip().partition("-")
        start = _day_index(first)
        end = _day_index(last) if dash else start
        # a range may wrap around the week's end: sun-thu is sun, mon, tue, wed, thu
        days.extend((start + step) % 7 for step in range((end - start) % 7 + 1))
    return days


def _day_index(name: str) -> int:
    name = name.strip()
    if name not in DAY_NAMES:
        raise ValueError(
            f"has the day {name!r}; use {', '.join(DAY_NAMES)} or a range like mon-fri"
        )
    return DAY_NAMES.index(name)


def _parse_window(text: str) -> Window:
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise ValueError(f"has the window {text!r}; write it as HH:MM-HH:MM, e.g. 09:00-18:00")
    start, end = _minute(start_text.strip()), _minute(end_text.strip())
    if start == MINUTES_PER_DAY:
        raise ValueError(f"has the window {text!r}; 24:00 may only end a window")
    if start == end:
        raise ValueError(f"has the window {text!r}, which is empty; use 00:00-24:00 for all day")
    # an end at or before the start means the window runs past midnight into the next day
    return (start, end if end > start else end + MINUTES_PER_DAY)


def _minute(text: str) -> int:
    match = _TIME_RE.match(text)
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59) and (hour, minute) != (24, 0):
        raise ValueError(f"has the time {text!r}; use HH:MM from 00:00 to 24:00")
    return hour * 60 + minute


def _merged(windows: list[Window]) -> tuple[Window, ...]:
    # overlapping or touching windows of one day are one window
    result: list[Window] = []
    for start, end in sorted(windows):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return tuple(result)
