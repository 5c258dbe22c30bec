"""Words and time formats shared by SLA notices and the ticket card.

A due time reads ``14:30`` in the desk's time zone when it falls today there, and
``2026-11-24 14:30`` on another day, so an operator never mistakes tomorrow for today.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.enums import SlaClock
from core.i18n import Translator, _

#: Each SLA clock as operators read it inside a sentence.
CLOCK_NAMES = {
    SlaClock.FIRST_RESPONSE: _("first response"),
    SlaClock.NEXT_RESPONSE: _("next response"),
    SlaClock.RESOLUTION: _("resolution"),
}


def clock_name(clock: SlaClock, locale: str | None) -> str:
    """The clock's name in ``locale`` ("first response", "первый ответ")."""
    return Translator(locale)(CLOCK_NAMES[clock])


def due_time(due_at: datetime, now: datetime, timezone: ZoneInfo) -> str:
    """``due_at`` in the desk's zone: the time alone today, with the date on another day."""
    local = due_at.astimezone(timezone)
    if local.date() == now.astimezone(timezone).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")
