"""The period a report covers, read from what a manager types.

``today``, ``yesterday``, ``week`` (the last 7 days, today included), ``month`` (the last
30 days, today included), one day ``YYYY-MM-DD`` or a range ``YYYY-MM-DD..YYYY-MM-DD``
(both days included). Rolling weeks and months compare like with like on any day of
the week or month, as the digest's "against the last 7 days" does. Days are days of the
desk's time zone: a period runs from local midnight of its first day to local midnight
after its last. Nothing given means today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import _, gettext

#: the longest period a report covers, in days
MAX_DAYS = 366
#: how much of an unreadable period is quoted back
QUOTED = 40
WEEK_DAYS, MONTH_DAYS = 7, 30
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: what people are shown when a period can't be read
EXAMPLES = "today, yesterday, week, month, 2026-03-01, 2026-03-01..2026-03-31"


class PeriodError(ValueError):
    """A period that can't be read: ``message`` (a msgid) and its ``params`` say why."""

    def __init__(self, message: str, **params: object) -> None:
        self.message, self.params = message, {"examples": EXAMPLES, **params}
        super().__init__(message.format(**self.params))

    def text(self, locale: str | None) -> str:
        """The explanation in ``locale``, with the examples."""
        return gettext(self.message, locale, **self.params)


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``first`` to ``last`` (included) of the desk's time zone ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """Local midnight that opens the period (aware, in the desk's zone)."""
        return datetime.combine(self.first, time(), self.zone)

    @property
    def end(self) -> datetime:
        """Local midnight after the last day: the period is ``start <= t < end``."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """The period as it can be typed again: ``2026-03-01`` or ``2026-03-01..2026-03-31``."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def before(self) -> Period:
        """The period of the same length just before this one (for comparisons)."""
        length = timedelta(days=self.days)
        return Period(self.first - length, self.last - length, self.zone)


def parse_period(text: str | None, today: date, tz: ZoneInfo) -> Period:
    """The period ``text`` names, counted from ``today`` in the desk's zone ``tz``.

    Raises :class:`PeriodError` for anything else, for a range that ends before it
    starts, starts after today or is longer than :data:`MAX_DAYS`.
    """
    word = (text or "").strip().lower()
    if word in ("", "today"):
        return Period(today, today, tz)
    if word == "yesterday":
        day = today - timedelta(days=1)
        return Period(day, day, tz)
    if word in ("week", "month"):
        days = WEEK_DAYS if word == "week" else MONTH_DAYS
        return Period(today - timedelta(days=days - 1), today, tz)
    first_text, dots, last_text = word.partition("..")
    first = _day(first_text.strip(), text or "")
    last = _day(last_text.strip(), text or "") if dots else first
    if last < first:
        raise PeriodError(
            _("The period ends before it starts ({first} is after {last}). Write the earlier "
              "day first, for example 2026-03-01..2026-03-31."),
            first=first.isoformat(),
            last=last.isoformat(),
        )  # fmt: skip
    if first > today:
        raise PeriodError(
            _("The period starts after today ({first}). Try one of: {examples}."),
            first=first.isoformat(),
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(
            _("A period is at most {days} days long. Split it, for example "
              "2026-01-01..2026-06-30 and 2026-07-01..2026-12-31."),
            days=MAX_DAYS,
        )  # fmt: skip
    return Period(first, last, tz)


def _day(text: str, whole: str) -> date:
    """The date ``text`` (``YYYY-MM-DD``), or a :class:`PeriodError` quoting ``whole``."""
    if _DAY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PeriodError(
                _("{day} is not a day of the calendar. Try one of: {examples}."), day=text
            ) from None
    quoted = whole.strip()[:QUOTED]
    raise PeriodError(_("“{text}” is not a period. Try one of: {examples}."), text=quoted)
