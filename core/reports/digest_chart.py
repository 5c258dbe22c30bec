"""The digest's chart: tickets per hour as bars, first response median per hour as a line.

Drawn with matplotlib's Agg backend on a bare :class:`matplotlib.figure.Figure` (never
``pyplot``, whose global state does not belong in a server), and matplotlib is imported
inside :func:`draw_digest_chart` only: the desk's start-up and an idle desk's memory do
not pay for it (BENCHMARKS.md measures both). Drawing takes a fraction of a second of
CPU, so the desk calls it through ``asyncio.to_thread``.

Made for a phone: large type, two colours, DejaVu Sans (shipped with matplotlib, so
Cyrillic renders on any server).
"""

from __future__ import annotations

import io

from core.i18n import Translator, _
from core.reports.digest import Digest
from core.reports.digest_text import period_words

BAR_COLOUR, LINE_COLOUR = "#4C78A8", "#E45756"
#: pixels: 1200 × 750, wide enough for 24 bars, sharp on a phone
SIZE, DPI = (8.0, 5.0), 150
TICKETS_AXIS = _("New tickets")
MINUTES_AXIS = _("First response, median (min)")
HOUR_AXIS = _("Hour of the day")


def draw_digest_chart(digest: Digest, locale: str) -> bytes:
    """The chart of ``digest`` as PNG bytes, its words in ``locale``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    t = Translator(locale)
    hours = list(range(24))
    tickets = list(digest.current.load_by_hour)
    minutes = [
        None if seconds is None else seconds / 60 for seconds in digest.first_response_by_hour
    ]
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.set_facecolor("white")
    bars = figure.add_subplot()
    bars.bar(hours, tickets, color=BAR_COLOUR, width=0.8, label=t(TICKETS_AXIS))
    bars.set_xlim(-0.7, 23.7)
    bars.set_xticks(range(0, 24, 3))
    bars.set_xlabel(t(HOUR_AXIS), fontsize=14)
    bars.set_ylabel(t(TICKETS_AXIS), fontsize=14, color=BAR_COLOUR)
    bars.tick_params(labelsize=13)
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.spines[["top"]].set_visible(False)
    line = bars.twinx()
    measured = [(h, m) for h, m in zip(hours, minutes, strict=True) if m is not None]
    if measured:
        xs, ys = zip(*measured, strict=True)
        line.plot(xs, ys, color=LINE_COLOUR, linewidth=3, marker="o", markersize=6)
    line.set_ylim(bottom=0)
    line.set_ylabel(t(MINUTES_AXIS), fontsize=14, color=LINE_COLOUR)
    line.tick_params(labelsize=13)
    line.spines[["top"]].set_visible(False)
    figure.suptitle(period_words(digest, t.locale), fontsize=16)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
