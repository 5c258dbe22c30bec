"""The text of a report, as Telegram HTML in the operators' language, fitting one message.

Three views of one :class:`~core.reports.metrics.Metrics`:

* :attr:`View.SUMMARY` — volume, backlog (with the oldest waiting ticket's topic),
  response and resolution times, SLA hit rates, CSAT with the low ratings;
* :attr:`View.OPERATORS` — one line per operator (:mod:`core.reports.views`);
* :attr:`View.TAGS` — per tag, then the channel and priority splits.

:func:`report_text` keeps a view within ``limit`` characters (4096, a message): the
lists (low ratings, operators, tags) are cut with "… and N more", never the figures.
Customer comments are escaped; every link is a topic of the operator group.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from html import escape

from core.reports.figures import Csat, SlaFigures
from core.reports.metrics import Metrics
from core.reports.views import operator_lines, split_sections
from core.reports.wording import MESSAGE_LIMIT, Words, topic_url, trimmed

#: how much of a customer's comment a report quotes
COMMENT_CHARS = 200


class View(StrEnum):
    """Which side of a period's figures a report shows."""

    SUMMARY = "summary"
    OPERATORS = "operators"
    TAGS = "tags"


def report_text(
    metrics: Metrics,
    view: View,
    locale: str | None,
    *,
    group_chat_id: int,
    now: datetime,
    limit: int = MESSAGE_LIMIT,
) -> str:
    """The ``view`` of ``metrics`` as HTML of at most ``limit`` characters.

    ``group_chat_id`` makes the topic links; ``now`` says how long the oldest waiting
    customer has waited.
    """
    words = Words(locale)
    head = heading(metrics, view, words)
    if view is View.OPERATORS:
        lines = operator_lines(metrics.operators, words)
        if not lines:
            lines = [words.t("Nobody worked on tickets in this period.")]
        body = trimmed(lines, limit - len(head) - 1, words)
        return "\n".join([head, *body])
    if view is View.TAGS:
        return "\n".join([head, *split_sections(metrics, words, limit - len(head) - 1)])
    fixed = [head, *_figures(metrics, words, group_chat_id, now)]
    comments = _low_ratings(metrics.csat, words, group_chat_id)
    if comments:
        fixed.append(words.t("<b>Low ratings</b>:"))
    used = sum(len(line) + 1 for line in fixed)
    return "\n".join(fixed + trimmed(comments, limit - used, words))


def heading(metrics: Metrics, view: View, words: Words) -> str:
    """The bold first line: what the message shows, and for which period."""
    titles = {
        View.SUMMARY: words.t("📊 <b>Report for {period}</b>", period=metrics.period.label),
        View.OPERATORS: words.t("👤 <b>Operators, {period}</b>", period=metrics.period.label),
        View.TAGS: words.t("🏷 <b>Tags and channels, {period}</b>", period=metrics.period.label),
    }
    return titles[view]


def _figures(metrics: Metrics, words: Words, group_chat_id: int, now: datetime) -> list[str]:
    """The summary's figures, one line each (never trimmed)."""
    t, volume, backlog = words.t, metrics.volume, metrics.backlog
    lines = [
        t(
            "New: {new} · resolved: {resolved} · reopened: {reopened}",
            new=words.number(volume.new),
            resolved=words.number(volume.resolved),
            reopened=words.number(volume.reopened),
        ),
        t(
            "<b>Backlog</b>: {open} open, {unassigned} unassigned",
            open=words.number(backlog.open),
            unassigned=words.number(backlog.unassigned),
        ),
    ]
    oldest = backlog.oldest_waiting
    if oldest is not None:
        number = f"#{oldest.ticket_id}"
        if oldest.thread_id is not None:
            link = topic_url(group_chat_id, oldest.thread_id)
            number = f'<a href="{link}">{number}</a>'
        waited = max(int((now - oldest.since).total_seconds()), 0)
        lines.append(t("Waiting longest: {ticket}, {span}", ticket=number, span=words.span(waited)))
    lines += [
        t("<b>First response</b>: {figure}", figure=words.durations(metrics.first_response)),
        t(
            "<b>Next response</b>: median {median}",
            median=words.span(metrics.next_response.calendar.median),
        ),
        t("<b>Resolution</b>: {figure}", figure=words.durations(metrics.resolution)),
        _sla(metrics.sla, words),
        *_csat(metrics.csat, words),
    ]
    return lines


def _sla(sla: SlaFigures, words: Words) -> str:
    """The hit rate of each clock and the number of breaches."""
    rates = " · ".join(
        f"{words.clock(rate.clock)} {words.percent(rate.hit_rate)}" for rate in sla.rates
    )
    return words.t(
        "<b>SLA met</b>: {rates}; breaches: {breaches}",
        rates=rates or "—",
        breaches=words.number(sla.breach_count),
    )


def _csat(csat: Csat, words: Words) -> list[str]:
    """The ratings: average, each score's count and the response rate."""
    scores = " · ".join(
        f"{score}★ {words.number(count)}" for score, count in enumerate(csat.distribution, 1)
    )
    return [
        words.t(
            "<b>CSAT</b>: {average} from {count} ratings ({scores})",
            average=words.average(csat.average),
            count=words.number(csat.count),
            scores=scores,
        ),
        words.t(
            "Rated: {rate} of the resolved tickets",
            rate=words.percent(csat.response_rate),
        ),
    ]


def _low_ratings(csat: Csat, words: Words, group_chat_id: int) -> list[str]:
    """One line per low rating: its topic, score and comment (escaped)."""
    lines = []
    for rated in csat.negative:
        number = f"#{rated.ticket_id}"
        if rated.thread_id is not None:
            number = f'<a href="{topic_url(group_chat_id, rated.thread_id)}">{number}</a>'
        comment = " ".join((rated.comment or "").split())
        if len(comment) > COMMENT_CHARS:
            comment = comment[: COMMENT_CHARS - 1] + "…"
        said = f" «{escape(comment)}»" if comment else ""
        lines.append(f"• {number} {rated.score}★{said}")
    return lines
