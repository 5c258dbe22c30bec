"""The lines of a report's per-operator and per-tag views (see :mod:`core.reports.summary`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from core.reports.figures import OperatorFigures, Split
from core.reports.metrics import Metrics
from core.reports.wording import Words, trimmed


def operator_lines(figures: Sequence[OperatorFigures], words: Words) -> list[str]:
    """One line per operator, the busiest (most replies) first."""
    ordered = sorted(figures, key=lambda f: (-f.replies, -f.resolved, f.name))
    return [
        words.t(
            "• <b>{name}</b>: assigned {assigned}, replies {replies}, resolved {resolved}, "
            "first response {first}, CSAT {csat} ({ratings})",
            name=escape(f.name),
            assigned=words.number(f.assigned),
            replies=words.number(f.replies),
            resolved=words.number(f.resolved),
            first=words.span(f.first_response.calendar.median),
            csat=words.average(f.csat_average),
            ratings=words.number(f.csat_count),
        )
        for f in ordered
    ]


def split_lines(splits: Sequence[Split], words: Words, name: Callable[[str], str]) -> list[str]:
    """One line per split (tag, channel or priority): new, resolved, first response median."""
    return [
        words.t(
            "• {name}: new {new}, resolved {resolved}, first response {first}",
            name=escape(name(split.key)),
            new=words.number(split.new),
            resolved=words.number(split.resolved),
            first=words.span(split.first_response.calendar.median),
        )
        for split in splits
    ]


def split_sections(metrics: Metrics, words: Words, budget: int) -> list[str]:
    """Channels and priorities (always short), then the tags cut to fit ``budget``."""
    fixed = [
        words.t("<b>Channels</b>"),
        *split_lines(metrics.channels, words, words.channel),
        words.t("<b>Priorities</b>"),
        *split_lines(metrics.priorities, words, words.priority),
        words.t("<b>Tags</b>"),
    ]
    tags = sorted(metrics.tags, key=lambda s: (-s.new, -s.resolved, s.key))
    lines = split_lines(tags, words, str) or [words.t("No tagged tickets in this period.")]
    used = sum(len(line) + 1 for line in fixed)
    return fixed + trimmed(lines, budget - used, words)
