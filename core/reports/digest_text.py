"""The digest as managers read it: Telegram HTML in the operators' language.

One line per headline figure: its value, then its change against the previous period and
against the baseline average, each marked ▲ (went up), ▼ (went down) or = (no change at the
precision shown). The arrows say only the direction; whether up is good depends on the
figure (the README lists which). Then every low rating (1–2) of the period with its
comment and a link to its topic, and one short line per operator.

Numbers, dates and durations are formatted with babel for the locale (``1 234,5``,
``1 ч 5 мин``). Customer and operator text is escaped. :func:`split_text` cuts a long
digest into messages Telegram accepts, at line ends.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from babel.dates import format_date, format_interval
from babel.numbers import format_decimal

from core.durations import human_span
from core.i18n import Translator, _
from core.reports.digest import Digest, Figure, Measure
from core.reports.digest_periods import DigestKind
from core.reports.wording import topic_url

#: Telegram's longest message text; a photo's caption is shorter
MESSAGE_LIMIT, CAPTION_LIMIT = 4096, 1024
#: how much of a customer's comment a digest quotes
COMMENT_SHOWN = 300
UP, DOWN, SAME, NONE = "▲", "▼", "=", "—"

DAILY_TITLE = _("📊 <b>Daily digest</b> · {period}")
WEEKLY_TITLE = _("📊 <b>Weekly digest</b> · {period}")
DAILY_LEGEND = _("<i>Change against the day before · against the {n}-day average</i>")
WEEKLY_LEGEND = _("<i>Change against the week before · against the {n}-week average</i>")
LINE = _("{name}: <b>{value}</b>  {before} · {average}")
POINTS = _("{n} pp")
LOW_TITLE = _("⚠️ <b>Low ratings: {n}</b>")
NO_LOW = _("⚠️ No low ratings.")
LOW_LINE = _("★{score} {ticket} — {comment}")
NO_COMMENT = _("<i>no comment</i>")
MORE_LOW = _("… and {n} more: see /report")
OPERATORS_TITLE = _("👤 <b>Operators</b>")
OPERATOR_LINE = _(
    "{name}: {resolved} resolved · {replies} replies · first response {first} · CSAT {csat}"
)
NOBODY_WORKED = _("👤 No operator activity.")


def digest_text(digest: Digest, locale: str, group_chat_id: int) -> str:
    """The whole digest (HTML); links to topics point into ``group_chat_id``."""
    t = Translator(locale)
    lines = [_title(digest, t), _legend(digest, t), ""]
    lines += [_figure_line(figure, t) for figure in digest.figures]
    lines += ["", *_low_ratings(digest, t, group_chat_id)]
    lines += ["", *_operators(digest, t)]
    return "\n".join(lines)


def _title(digest: Digest, t: Translator) -> str:
    title = DAILY_TITLE if digest.kind is DigestKind.DAILY else WEEKLY_TITLE
    return t(title, period=period_words(digest, t.locale))


def period_words(digest: Digest, locale: str) -> str:
    """The digest's period as people say it ("Sunday, March 1, 2026", "Feb 23 – Mar 1, 2026")."""
    period = digest.period
    if digest.kind is DigestKind.DAILY:
        return format_date(period.first, "full", locale=locale)
    return format_interval(period.first, period.last, "yMMMd", locale=locale)


def _legend(digest: Digest, t: Translator) -> str:
    if digest.kind is DigestKind.DAILY:
        return t(DAILY_LEGEND, n=digest.baseline_periods)
    return t(WEEKLY_LEGEND, n=digest.baseline_periods)


def _figure_line(figure: Figure, t: Translator) -> str:
    return t(
        LINE,
        name=t(figure.name),
        value=shown(figure.measure, figure.value, t),
        before=change(figure.measure, figure.value, figure.before, t),
        average=change(figure.measure, figure.value, figure.average, t),
    )


def shown(measure: Measure, value: float | None, t: Translator) -> str:
    """``value`` as the line shows it ("12", "1 h 5 min", "92.5%", "4.6"); "—" for none."""
    if value is None:
        return NONE
    if measure is Measure.DURATION:
        return human_span(timedelta(seconds=round(value)), t.locale)
    if measure is Measure.RATE:
        return format_decimal(value * 100, "#,##0.#", locale=t.locale) + "%"
    if measure is Measure.SCORE:
        return format_decimal(value, "0.0#", locale=t.locale)
    return format_decimal(value, "#,##0.#", locale=t.locale)


def _rounded(measure: Measure, delta: float) -> float:
    """``delta`` at the precision its line shows (so "= " means no visible change)."""
    if measure is Measure.DURATION:
        return float(round(delta))
    if measure is Measure.RATE:
        return round(delta * 100, 1)
    if measure is Measure.SCORE:
        return round(delta, 2)
    return round(delta, 1)


def change(measure: Measure, value: float | None, reference: float | None, t: Translator) -> str:
    """``value`` against ``reference``: ``▲ 3``, ``▼ 2 min``, ``▲ 4 pp``, ``=``; "—" unknown."""
    if value is None or reference is None:
        return NONE
    delta = _rounded(measure, value - reference)
    if delta == 0:
        return SAME
    arrow = UP if delta > 0 else DOWN
    size = abs(delta)
    if measure is Measure.DURATION:
        amount = human_span(timedelta(seconds=size), t.locale)
    elif measure is Measure.RATE:
        amount = t(POINTS, n=format_decimal(size, "#,##0.#", locale=t.locale))
    elif measure is Measure.SCORE:
        amount = format_decimal(size, "0.0#", locale=t.locale)
    else:
        amount = format_decimal(size, "#,##0.#", locale=t.locale)
    return f"{arrow} {amount}"


def _low_ratings(digest: Digest, t: Translator, group_chat_id: int) -> list[str]:
    csat = digest.current.csat
    total = csat.distribution[0] + csat.distribution[1]
    if not total:
        return [t(NO_LOW)]
    lines = [t(LOW_TITLE, n=total)]
    for low in csat.negative:
        ticket = f"#{low.ticket_id}"
        if low.thread_id is not None and group_chat_id:  # 0: no group configured
            ticket = f'<a href="{escape(topic_url(group_chat_id, low.thread_id))}">{ticket}</a>'
        words = (low.comment or "").strip()
        if len(words) > COMMENT_SHOWN:
            words = words[: COMMENT_SHOWN - 1] + "…"
        comment = f"“{escape(words)}”" if words else t(NO_COMMENT)
        lines.append(t(LOW_LINE, score=low.score, ticket=ticket, comment=comment))
    if total > len(csat.negative):
        lines.append(t(MORE_LOW, n=total - len(csat.negative)))
    return lines


def _operators(digest: Digest, t: Translator) -> list[str]:
    people = digest.current.operators
    if not people:
        return [t(NOBODY_WORKED)]
    lines = [t(OPERATORS_TITLE)]
    for person in people:
        first = person.first_response.calendar.median
        lines.append(
            t(
                OPERATOR_LINE,
                name=escape(person.name),
                resolved=format_decimal(person.resolved, locale=t.locale),
                replies=format_decimal(person.replies, locale=t.locale),
                first=shown(Measure.DURATION, first, t),
                csat=shown(Measure.SCORE, person.csat_average, t),
            )
        )
    return lines


def split_text(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``html`` cut at line ends into parts of at most ``limit`` characters.

    Every line of a digest closes its own tags, so each part is valid HTML on its own. A
    single line longer than the limit (it cannot happen with the digest's lines) is cut.
    """
    parts: list[str] = []
    current = ""
    for line in html.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()]
