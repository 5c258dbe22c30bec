"""Durations: as configured (``"1h30m"``) and as people read them ("1 h 5 min", "1 ч 5 мин").

A configured duration is whole numbers with units, largest first: ``30s``, ``15m``, ``4h``,
``2d``, ``1h30m`` (see :func:`parse_duration`); SLA targets, waiting nudges and
reassignment all read them the same way.

:func:`human_span` is used wherever the desk shows how long something waits or how
much time is left (the card's SLA line, the queues' countdowns, reports). Two largest
units, rounded down, so a line stays short: ``2 d 3 h``, ``1 h 5 min``, ``12 min``, ``45 s``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from core.i18n import Translator, _

#: (seconds per unit, its short name) from the largest unit down.
UNITS: tuple[tuple[int, str], ...] = (
    (86400, _("{n} d")),
    (3600, _("{n} h")),
    (60, _("{n} min")),
    (1, _("{n} s")),
)


def human_span(span: timedelta, locale: str | None) -> str:
    """``span`` in its two largest units in ``locale`` (a negative span reads as positive)."""
    t = Translator(locale)
    left = abs(int(span.total_seconds()))
    parts: list[str] = []
    for size, name in UNITS:
        count, left = divmod(left, size)
        if count and len(parts) < 2:
            parts.append(t(name, n=count))
        elif parts:  # only adjacent units: "1 d 5 min" would hide the hours
            break
    return " ".join(parts) or t(UNITS[-1][1], n=0)


#: a target longer than a year is a typo, and keeps due times far from datetime's limits
MAX_DURATION = timedelta(days=365)
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_DURATION_RE = re.compile(
    r"^(?:(?P<d>\d{1,9})d)?\s*(?:(?P<h>\d{1,9})h)?\s*(?:(?P<m>\d{1,9})m)?\s*(?:(?P<s>\d{1,9})s)?$",
    re.ASCII,
)
DURATION_EXAMPLE = 'e.g. "30s", "15m", "4h", "2d" or "1h30m"'


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` → ``timedelta(minutes=90)``; raise ``ValueError`` saying what is wrong."""
    value = text.strip().lower()
    if re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError(
            f"is {text!r}, a number without a unit; add one, e.g. {value}s or {value}m"
        )
    found = _DURATION_RE.match(value)
    if not value or found is None or not any(found.groupdict().values()):
        raise ValueError(
            f"is {text!r}, which is not a duration: write whole numbers with units d, h, m, s, "
            f"largest first, {DURATION_EXAMPLE}"
        )
    seconds = sum(int(found[unit] or 0) * size for unit, size in _UNITS)
    if seconds == 0:
        raise ValueError(f"is {text!r}, which is no time at all; a target must be positive")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"is {text!r}, longer than {format_duration(MAX_DURATION)}")
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """``timedelta(minutes=90)`` → ``"1h30m"``, the form :func:`parse_duration` reads.

    Parts of a second are dropped; zero is ``"0s"``; a negative duration is refused.
    """
    if duration < timedelta(0):
        raise ValueError(f"a duration cannot be negative, got {duration}")
    left = duration // timedelta(seconds=1)
    parts = []
    for unit, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
