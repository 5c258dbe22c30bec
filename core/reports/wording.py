"""How a report writes its figures: numbers, shares, durations and names, in one locale.

Numbers and percents use babel's formatting for the operators' locale ("1,234" / "1 234",
"88%" / "88 %"); durations read as :func:`core.durations.human_span` writes them
("1 h 5 min" / "1 ч 5 мин"). A figure that could not be measured reads "—".
Long lists are cut to fit one Telegram message, with "… and N more".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from babel.numbers import format_decimal, format_percent

from core.durations import human_span
from core.enums import Channel, SlaClock, TicketPriority
from core.i18n import Translator, _
from core.reports.figures import Durations, Spread

#: what a figure nobody could measure reads
NONE = "—"
#: Telegram's limits: a message's text and a photo's caption
MESSAGE_LIMIT, CAPTION_LIMIT = 4096, 1024

CLOCK_NAMES = {
    SlaClock.FIRST_RESPONSE: _("first response"),
    SlaClock.NEXT_RESPONSE: _("next response"),
    SlaClock.RESOLUTION: _("resolution"),
}
PRIORITY_NAMES = {
    TicketPriority.LOW: _("low"),
    TicketPriority.NORMAL: _("normal"),
    TicketPriority.HIGH: _("high"),
    TicketPriority.URGENT: _("urgent"),
}
CHANNEL_NAMES = {Channel.TELEGRAM: "Telegram", Channel.VK: "VK"}
MORE = _("… and {n} more")


def topic_url(group_chat_id: int, thread_id: int) -> str:
    """``https://t.me/c/<internal id>/<thread>``: a topic's link (the group id without ``-100``)."""
    internal = str(group_chat_id).removeprefix("-100").lstrip("-")
    return f"https://t.me/c/{internal}/{thread_id}"


class Words:
    """Formats figures for one reader's locale."""

    def __init__(self, locale: str | None) -> None:
        self.t = Translator(locale)
        self.locale = self.t.locale

    def number(self, value: int) -> str:
        """A count: ``1,234`` (en), ``1 234`` (ru)."""
        return format_decimal(value, locale=self.locale)

    def average(self, value: float | None) -> str:
        """An average with up to two decimals (``4.25`` / ``4,25``), or "—"."""
        if value is None:
            return NONE
        return format_decimal(value, format="#,##0.##", locale=self.locale)

    def percent(self, share: float | None) -> str:
        """A share as a whole percent (``88%`` / ``88 %``), or "—"."""
        if share is None:
            return NONE
        return format_percent(share, locale=self.locale)

    def span(self, seconds: int | None) -> str:
        """Seconds as "1 h 5 min" / "1 ч 5 мин", or "—"."""
        if seconds is None:
            return NONE
        return human_span(timedelta(seconds=seconds), self.locale)

    def spread(self, spread: Spread) -> str:
        """ "median 5 min, p90 1 h" (or "—" when nothing was measured)."""
        if spread.count == 0:
            return NONE
        return self.t(
            "median {median}, p90 {p90}",
            median=self.span(spread.median),
            p90=self.span(spread.p90),
        )

    def durations(self, figure: Durations) -> str:
        """Calendar spread, and the business-hours one in brackets."""
        if figure.calendar.count == 0:
            return NONE
        return self.t(
            "{calendar} (business hours: {business})",
            calendar=self.spread(figure.calendar),
            business=self.spread(figure.business),
        )

    def clock(self, clock: SlaClock) -> str:
        """The SLA clock's name."""
        return self.t(CLOCK_NAMES[clock])

    def priority(self, key: str) -> str:
        """A priority's name (an unknown key as it is)."""
        try:
            return self.t(PRIORITY_NAMES[TicketPriority(key)])
        except ValueError:
            return key

    def channel(self, key: str) -> str:
        """A channel's name: Telegram, VK."""
        try:
            return CHANNEL_NAMES[Channel(key)]
        except ValueError:
            return key


def trimmed(lines: Sequence[str], budget: int, more: Words) -> list[str]:
    """As many of ``lines`` as fit in ``budget`` characters, then "… and N more".

    Each line counts with its newline; the "more" line is always left room for.
    """
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        tail = len(more.t(MORE, n=len(lines))) + 1 if left else 0
        if used + len(line) + 1 + tail > budget:
            kept.append(more.t(MORE, n=len(lines) - index))
            return kept
        kept.append(line)
        used += len(line) + 1
    return kept
