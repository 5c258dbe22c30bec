"""The report's charts as PNG bytes: one function per chart, drawn with matplotlib.

matplotlib is imported inside the drawing functions only, so the bot's start-up and its
resident memory don't pay for it until a manager asks for a chart. Each chart is a
``matplotlib.figure.Figure`` on the ``Agg`` canvas (never pyplot, whose global state is
neither thread-safe nor needed): callers draw in a worker thread (``asyncio.to_thread``)
so a chart never holds up the desk's updates. Phone-sized: large type, one or two
colours, DejaVu Sans (shipped with matplotlib) so Cyrillic renders.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.reports.metrics import Metrics
from core.reports.summary import View
from core.reports.wording import Words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: the two colours of every chart: the main bars and the second series
MAIN, SECOND = "#2f6fde", "#f0a030"
#: how many bars a per-operator or per-tag chart shows (the rest are in the text)
MOST_BARS = 10
SIZE, DPI, FONT = (8.0, 5.0), 120, 15


def chart_png(metrics: Metrics, view: View, locale: str | None) -> bytes:
    """The chart of ``view``: load by hour, operators, or tags."""
    if view is View.OPERATORS:
        return operators_chart(metrics, locale)
    if view is View.TAGS:
        return tags_chart(metrics, locale)
    return hourly_chart(metrics, locale)


def hourly_chart(metrics: Metrics, locale: str | None) -> bytes:
    """New tickets per hour of the day (bars), titled with the first response median."""
    words = Words(locale)
    figure, axes = _canvas()
    hours = list(range(24))
    axes.bar(hours, list(metrics.load_by_hour), color=MAIN, width=0.8)
    axes.set_xticks(list(range(0, 24, 3)))
    axes.set_xlim(-0.6, 23.6)
    axes.set_xlabel(words.t("hour of the day"))
    axes.set_ylabel(words.t("new tickets"))
    median = words.span(metrics.first_response.calendar.median)
    axes.set_title(
        fontsize=FONT + 2,
        label=words.t(
            "{period}: first response median {median}", period=_period(metrics), median=median
        ),
    )
    _whole_numbers(axes)
    return _png(figure)


def operators_chart(metrics: Metrics, locale: str | None) -> bytes:
    """Replies and resolved tickets per operator (horizontal bars, the busiest on top)."""
    words = Words(locale)
    busiest = sorted(metrics.operators, key=lambda f: (-f.replies, -f.resolved, f.name))
    shown = busiest[:MOST_BARS]
    names = [_short(f.name) for f in shown]
    figure, axes = _canvas()
    rows = list(range(len(shown)))
    axes.barh([r - 0.2 for r in rows], [f.replies for f in shown], 0.4, color=MAIN,
              label=words.t("replies"))  # fmt: skip
    axes.barh([r + 0.2 for r in rows], [f.resolved for f in shown], 0.4, color=SECOND,
              label=words.t("resolved"))  # fmt: skip
    _names(axes, rows, names, words)
    if shown:
        axes.legend(loc="lower right", fontsize=FONT - 2)
    axes.set_title(fontsize=FONT + 2, label=words.t("Operators, {period}", period=_period(metrics)))
    return _png(figure)


def tags_chart(metrics: Metrics, locale: str | None) -> bytes:
    """New and resolved tickets per tag (or per priority when nothing was tagged)."""
    words = Words(locale)
    splits = sorted(metrics.tags, key=lambda s: (-s.new, -s.resolved, s.key))[:MOST_BARS]
    names = [_short(s.key) for s in splits]
    title = words.t("Tags, {period}", period=_period(metrics))
    if not splits:
        splits = list(metrics.priorities)
        names = [words.priority(s.key) for s in splits]
        title = words.t("Priorities, {period}", period=_period(metrics))
    figure, axes = _canvas()
    rows = list(range(len(splits)))
    axes.barh([r - 0.2 for r in rows], [s.new for s in splits], 0.4, color=MAIN,
              label=words.t("new"))  # fmt: skip
    axes.barh([r + 0.2 for r in rows], [s.resolved for s in splits], 0.4, color=SECOND,
              label=words.t("resolved"))  # fmt: skip
    _names(axes, rows, names, words)
    if splits:
        axes.legend(loc="lower right", fontsize=FONT - 2)
    axes.set_title(fontsize=FONT + 2, label=title)
    return _png(figure)


def _canvas() -> tuple[Figure, Axes]:
    """A phone-sized figure on the Agg canvas with one plot, in large type."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for item in ("top", "right"):
        axes.spines[item].set_visible(False)
    axes.tick_params(labelsize=FONT)
    axes.xaxis.label.set_fontsize(FONT)
    axes.yaxis.label.set_fontsize(FONT)
    axes.grid(axis="both", alpha=0.25)
    axes.set_axisbelow(True)
    return figure, axes


def _names(axes: Axes, rows: Sequence[int], names: Sequence[str], words: Words) -> None:
    """Label horizontal bars, the first on top; an empty chart says there is nothing."""
    axes.set_yticks(list(rows), list(names))
    axes.invert_yaxis()
    _whole_numbers(axes, "x")
    if not rows:
        axes.text(0.5, 0.5, words.t("nothing in this period"), ha="center", va="center",
                  transform=axes.transAxes, fontsize=FONT)  # fmt: skip


def _whole_numbers(axes: Axes, axis: str = "y") -> None:
    """Counts are whole: no 0.5 ticks on the count axis."""
    from matplotlib.ticker import MaxNLocator

    target = axes.yaxis if axis == "y" else axes.xaxis
    target.set_major_locator(MaxNLocator(integer=True))


def _period(metrics: Metrics) -> str:
    return metrics.period.label


def _short(name: str, most: int = 18) -> str:
    """A name short enough for a bar's label on a phone, its ``$`` not read as math."""
    name = name if len(name) <= most else name[: most - 1] + "…"
    return name.replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
