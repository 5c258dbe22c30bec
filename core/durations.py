"""A span of time as people read it, in their language: "1 h 5 min", "1 ч 5 мин".

Used wherever the desk shows how long something waits or how much time is left (the
card's SLA line, the queues' countdowns, reports). Two largest units, rounded down, so a
line stays short: ``2 d 3 h``, ``1 h 5 min``, ``12 min``, ``45 s``.
"""

from __future__ import annotations

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
